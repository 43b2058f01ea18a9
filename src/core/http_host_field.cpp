// Why the Host value is checked at all, when the echo routes on nothing: RFC 9112
// 3.2 has a server answer 400 to a missing, repeated or invalid Host, because a
// proxy or cache in front may pick another of two Hosts, or read "a@b" or "a/b"
// as another authority, and so store or route this answer under a host the client
// did not ask. Refusing such a request leaves one reading.
#include "core/http_host_field.hpp"

#include "core/ip_text.hpp"

namespace echo::core {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool is_hex(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 2.2 and 2.3.
bool is_unreserved_or_sub_delim(char c) noexcept {
    constexpr std::string_view others = "-._~!$&'()*+,;=";
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && others.find(c) != std::string_view::npos);
}

// *( unreserved / pct-encoded / sub-delims ), and so also an IPv4 address.
bool is_reg_name(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
                return false;
            }
            i += 2;
        } else if (!is_unreserved_or_sub_delim(s[i])) {
            return false;
        }
    }
    return true;
}

// "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).
bool is_ip_future(std::string_view s) noexcept {
    if (s.size() < 4 || (s[0] != 'v' && s[0] != 'V')) {
        return false;
    }
    const auto dot = s.find('.', 1);
    if (dot == std::string_view::npos || dot == 1 || dot + 1 == s.size()) {
        return false;
    }
    for (std::size_t i = 1; i < dot; ++i) {
        if (!is_hex(s[i])) {
            return false;
        }
    }
    for (std::size_t i = dot + 1; i < s.size(); ++i) {
        if (s[i] != ':' && !is_unreserved_or_sub_delim(s[i])) {
            return false;
        }
    }
    return true;
}

// *DIGIT, and at most 65535 as no TCP port is more; leading zeros as the grammar has them.
bool is_port(std::string_view s) noexcept {
    unsigned value = 0;
    for (const char c : s) {
        if (!is_digit(c)) {
            return false;
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > 65535) {
            return false;
        }
    }
    return true;
}

// ":" port, or nothing.
bool is_port_part(std::string_view s) noexcept {
    return s.empty() || (s.front() == ':' && is_port(s.substr(1)));
}

}  // namespace

bool is_valid_host_value(std::string_view value) noexcept {
    if (!value.empty() && value.front() == '[') {
        const auto close = value.find(']');
        if (close == std::string_view::npos) {
            return false;
        }
        const auto literal = value.substr(1, close - 1);
        return (parse_ipv6_text(literal).has_value() || is_ip_future(literal)) &&
               is_port_part(value.substr(close + 1));
    }
    const auto colon = value.find(':');
    const auto host = value.substr(0, colon);
    return is_reg_name(host) && is_port_part(value.substr(host.size()));
}

bool host_fields_acceptable(std::span<const http_header> fields, bool required) noexcept {
    const http_header* host = nullptr;
    for (const auto& field : fields) {
        if (equals_ignoring_case(field.name, "Host")) {
            if (host != nullptr) {
                return false;  // two lines, even with one value: RFC 9112 3.2
            }
            host = &field;
        }
    }
    return host == nullptr ? !required : is_valid_host_value(host->value);
}

}  // namespace echo::core
