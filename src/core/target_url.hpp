// echo-bench's target, parsed from a URL without touching the network.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace echo::core {

struct target_url {
    std::string scheme;  // the transport: "tcp", "udp" or "unix"
    std::string host;    // tcp/udp: without brackets
    std::uint16_t port = 0;
    std::string path;    // unix: file path, or abstract name without the '@'
    bool abstract = false;
    bool tls = false;    // tls://, https://, wss:// (over tcp) or unix+tls: (over unix)
    // What the messages travel in over the transport: "" (the bytes as they are),
    // "http" (a POST request each) or "ws" (a WebSocket message each).
    std::string application;
    std::string resource;  // http/ws: the URL's request target ("/a?b"), "" when none

    [[nodiscard]] std::string to_string() const;
};

struct url_error {
    std::string message;
};

// Accepts tcp://HOST:PORT, tls://HOST:PORT and udp://HOST:PORT with HOST a name, an
// IPv4 literal or a bracketed IPv6 literal and PORT 1-65535; http://, https://, ws://
// and wss://HOST:PORT with an optional request target after the port (/path?query,
// visible ASCII, at most kMaxResource bytes); and unix:/path, unix:@name and their TLS
// forms unix+tls:/path, unix+tls:@name.
[[nodiscard]] std::variant<target_url, url_error> parse_target_url(std::string_view url);

inline constexpr std::size_t kMaxResource = 4096;

}  // namespace echo::core
