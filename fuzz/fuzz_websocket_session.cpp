// Fuzzes the WebSocket echo session with the bytes a client would send: the first
// byte picks the settings and how the caller drains output, the next eight where
// the stream is cut, the rest is the stream. Whatever comes, nothing crashes, the
// session holds at most max_held_bytes(), its output is well-formed server frames
// (ending with at most one close, with a code a peer may see), and the cuts and
// the drain policy change nothing in what it says.
#include "core/websocket_session.hpp"
#include "property.hpp"
#include "support/websocket_caller.hpp"
#include "support/websocket_frames.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

constexpr std::size_t kMaxCuts = 8;

void require_well_formed(const std::string& output) {
    const auto read = echo::testing::read_server_frames(output);
    require(read.error.empty(), "output is well-formed server frames");
    require(read.incomplete == 0, "output ends on a frame boundary");
    bool in_message = false;
    for (std::size_t i = 0; i < read.frames.size(); ++i) {
        const auto& f = read.frames[i];
        if (f.opcode == 8) {
            require(i + 1 == read.frames.size(), "nothing follows the server's close");
            require(f.payload.size() != 1, "a close payload is empty or has a code");
            if (f.payload.size() >= 2) {
                const auto code = static_cast<std::uint16_t>(static_cast<unsigned char>(f.payload[0]) << 8 |
                                                             static_cast<unsigned char>(f.payload[1]));
                require(core::valid_close_code(code), "the close code is one a peer may see");
            }
        } else if (f.opcode == 9 || f.opcode == 10) {
            require(f.opcode == 10, "the server sends pongs, never pings");
        } else {
            require(f.opcode <= 2, "no reserved opcode");
            require((f.opcode == 0) == in_message, "continuations only inside a message");
            in_message = !f.fin;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 + kMaxCuts) return 0;
    core::websocket_settings settings;
    settings.echo_frames = (data[0] & 1) != 0;
    const bool drain_when_blocked = (data[0] & 2) != 0;
    settings.max_message = std::size_t{64} << ((data[0] >> 2) & 7);       // 64 B .. 8 KiB
    settings.output_high_water = std::size_t{16} << ((data[0] >> 5) & 7);  // 16 B .. 2 KiB
    const std::string_view stream{reinterpret_cast<const char*>(data) + 1 + kMaxCuts, size - 1 - kMaxCuts};
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < kMaxCuts && !stream.empty(); ++i) cuts.push_back(data[1 + i] * stream.size() / 256);
    std::sort(cuts.begin(), cuts.end());

    const auto bound = core::websocket_session::max_held_bytes(settings);
    const auto whole = echo::testing::run_session(settings, stream, {}, false);
    require_well_formed(whole.output);
    const auto cut = echo::testing::run_session(settings, stream, cuts, drain_when_blocked);
    require(whole.most_held <= bound && cut.most_held <= bound, "held bytes within max_held_bytes");
    require(cut.output == whole.output, "the cuts and the drain policy change no output byte");
    require(cut.state == whole.state && cut.close_code == whole.close_code && cut.failure == whole.failure &&
                cut.counters.messages == whole.counters.messages,
            "the cuts change no outcome");
    require(whole.failure.empty() || whole.close_code != 0, "a failure sends a close with a code");
    return 0;
}
