// What an http:// or https:// listener asks of its HTTP echo, parsed from its URL
// keys: the request limits, the response bound, the request deadline, and
// whether clients may steer the answer (controls), and the WebSocket echo's keys.
#pragma once

#include "core/http_limits.hpp"
#include "core/websocket_settings.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace echo::core {

struct http_settings {
    http_limits limits;
    // From when the server is ready for a request until all of it has arrived:
    // beyond it, a request in progress gets 408 and an idle keep-alive is closed.
    std::chrono::milliseconds request_timeout{10'000};
    std::uint32_t max_requests = 0;                 // per connection; 0: no cap
    std::uint64_t max_response = 1 << 20;           // ?size= at most this
    std::chrono::milliseconds max_delay{30'000};    // ?delay= at most this
    bool controls = true;  // ?status ?size ?close ?delay X-Echo-Set-Header; controls=0 off
    // HTTP/2 beside HTTP/1.x: ALPN h2 over TLS, h2c by prior knowledge or Upgrade; h2=0 off.
    bool h2 = true;
    // The WebSocket echo an Upgrade: websocket request gets (ws_ keys); controls=0
    // leaves it on: it is the listener's service, not a client's control.
    websocket_listener_settings websocket;
};

// Takes one URL key of an HTTP listener. Returns nullopt when the key is not an
// HTTP key, an empty string when it was taken, else why the value is wrong.
[[nodiscard]] std::optional<std::string> take_http_key(std::string_view key,
                                                       std::string_view value,
                                                       http_settings& out);

// After every key: checks what ties several keys. Returns the problem, if any.
[[nodiscard]] std::optional<std::string> finish_http_settings(const http_settings& s);

}  // namespace echo::core
