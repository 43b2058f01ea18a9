// IP addresses as text, read and written in core without inet_pton/inet_ntop: strict
// input (no leading zeros in a dotted quad, no zone ids), RFC 5952 output.
#pragma once

#include "core/peer_address.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace echo::core {

// 0-15 for a hex digit of either case, else -1: IPv6 groups, and the %XX of a URL.
[[nodiscard]] int hex_value(char c) noexcept;

// "192.168.0.1": exactly four decimal octets 0-255 without leading zeros.
[[nodiscard]] std::optional<peer_address> parse_ipv4_text(std::string_view text) noexcept;
// "2001:db8::1", "::ffff:192.0.2.1": hex groups of 1-4 digits, at most one "::",
// an optional dotted quad in the last 32 bits, 128 bits in all.
[[nodiscard]] std::optional<peer_address> parse_ipv6_text(std::string_view text) noexcept;

// Whether `text` can still grow into an address the parser above takes, for readers
// that refuse a stream as soon as its bytes cannot be one. Never false for a prefix
// of a valid address; may be true for some text that can never become one.
[[nodiscard]] bool could_start_ipv4_text(std::string_view text) noexcept;
[[nodiscard]] bool could_start_ipv6_text(std::string_view text) noexcept;

// "192.0.2.1" for an IPv4(-mapped) address, else the IPv6 form as below.
[[nodiscard]] std::string format_ip(const peer_address& a);
// Always the IPv6 form: lower case, the longest run of two or more zero groups as
// "::", an IPv4-mapped address as "::ffff:192.0.2.1".
[[nodiscard]] std::string format_ipv6(const peer_address& a);

}  // namespace echo::core
