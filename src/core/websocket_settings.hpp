// What a WebSocket echo session is allowed (message size, frame-for-frame echo,
// output high water), and the listener keys that set it: ws_protocols=,
// ws_frames=, ws_max_message= on http:// and https://.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace echo::core {

struct websocket_settings {
    // The largest message reassembled (with echo_frames: the largest frame), the
    // payload one peer can make the session hold; beyond it the session closes
    // with 1009.
    std::size_t max_message = 1 << 20;
    // ws_frames=1: each data frame comes back as its own frame (continuations stay
    // continuations, FIN as sent) once all of it has arrived, instead of one frame
    // per reassembled message. Frames are only ever written whole, so a pong or
    // close between two fragments is still a valid stream.
    bool echo_frames = false;
    // The session stops taking input while this much output waits to be sent.
    std::size_t output_high_water = 64 * 1024;
};

// One listener's WebSocket echo: the session's settings and the subprotocols it
// may choose from (ws_protocols=a,b; "*" takes whatever the client offers first).
struct websocket_listener_settings {
    websocket_settings session;
    std::vector<std::string> protocols;
};

inline constexpr std::size_t kMaxWebsocketMessageCap = 64 << 20;
inline constexpr std::size_t kMaxWebsocketProtocols = 16;

// Takes one ws_ key. Returns nullopt when the key is not one, an empty string when
// it was taken, else why the value is wrong.
[[nodiscard]] std::optional<std::string> take_websocket_key(std::string_view key,
                                                            std::string_view value,
                                                            websocket_listener_settings& out);

// An HTTP token (RFC 9110 §5.6.2): what a subprotocol name must be, so one never
// ends a header line it is written into.
[[nodiscard]] bool is_http_token(std::string_view s) noexcept;

}  // namespace echo::core
