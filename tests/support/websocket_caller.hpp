// A caller of websocket_session as its header describes one: it offers the client's
// bytes in given pieces, keeps what was not taken, and sends output. Shared by the
// session's unit tests and its fuzz target.
#pragma once

#include "core/websocket_session.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace echo::testing {

struct session_run {
    std::string output;  // every byte the session gave, in order
    core::websocket_state state = core::websocket_state::open;
    std::uint16_t close_code = 0;
    std::uint16_t peer_close_code = 0;
    std::string failure;
    core::websocket_counters counters;
    std::size_t most_held = 0;  // the largest held_bytes() seen after a feed
    std::size_t unread = 0;     // input the session never took (after its end)
};

// `cuts` are ascending offsets into `input`. Output is sent after every feed, or,
// with `drain_when_blocked`, only once the session stops taking input (and at the
// end).
[[nodiscard]] session_run run_session(const core::websocket_settings& settings, std::string_view input,
                                      const std::vector<std::size_t>& cuts, bool drain_when_blocked = false);

}  // namespace echo::testing
