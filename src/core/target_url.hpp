// echo-bench's target, parsed from a URL without touching the network.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace echo::core {

struct target_url {
    std::string scheme;  // "tcp"
    std::string host;    // without brackets
    std::uint16_t port = 0;
};

struct url_error {
    std::string message;
};

// Accepts tcp://HOST:PORT with HOST a name, an IPv4 literal or a bracketed IPv6
// literal, and PORT 1-65535.
[[nodiscard]] std::variant<target_url, url_error> parse_target_url(std::string_view url);

}  // namespace echo::core
