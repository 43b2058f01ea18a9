// Networks named in listener keys (proxy_from=, chargen_from=): CIDR or one
// address, IPv4 or IPv6, parsed and matched without touching the network.
#pragma once

#include "core/peer_address.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace echo::core {

// A network written as CIDR (10.0.0.0/8, 2001:db8::/32) or one address.
struct address_range {
    peer_address network;  // IPv4 held IPv4-mapped, as peer_address does
    unsigned bits = 128;   // of the 128-bit form: an IPv4 /8 is 104

    [[nodiscard]] bool contains(const peer_address& a) const noexcept;
};

[[nodiscard]] std::optional<address_range> parse_address_range(std::string_view text);

// A key's list: every listed address is checked on the data path, so a list holds at most this.
inline constexpr std::size_t kMaxAddressRanges = 64;

// Parses `list` (CIDR,CIDR,...) into `out`, replacing what it held. Returns what
// is wrong, if anything.
[[nodiscard]] std::optional<std::string> parse_address_ranges(std::string_view list,
                                                              std::vector<address_range>& out);

[[nodiscard]] bool any_contains(const std::vector<address_range>& ranges,
                                const peer_address& a) noexcept;

}  // namespace echo::core
