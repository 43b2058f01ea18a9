// An IPv4 network is matched in its IPv4-mapped form, so one comparison of the
// 128-bit forms serves both families and 0.0.0.0/0 never matches an IPv6 peer.
#include "core/address_range.hpp"

#include "core/ip_text.hpp"
#include "core/whole_number.hpp"

#include <algorithm>
#include <cstdint>

namespace echo::core {

namespace {

// The first `bits` of the 128-bit form kept, the rest zero (IPv4 included, unlike
// peer_address::ipv6_prefix, which keeps an IPv4 host whole).
peer_address masked(peer_address a, unsigned bits) noexcept {
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned kept = bits > i * 8 ? std::min(8U, bits - i * 8) : 0;
        a.bytes[i] &= static_cast<std::uint8_t>(0xff00U >> kept);
    }
    return a;
}

}  // namespace

bool address_range::contains(const peer_address& a) const noexcept {
    return masked(a, bits) == network;
}

std::optional<address_range> parse_address_range(std::string_view text) {
    const auto slash = text.find('/');
    const auto ip = text.substr(0, slash);
    address_range r;
    unsigned max_bits = 0;
    if (const auto a4 = parse_ipv4_text(ip)) {
        r.network = *a4;
        max_bits = 32;
    } else if (const auto a6 = parse_ipv6_text(ip)) {
        r.network = *a6;
        max_bits = 128;
    } else {
        return std::nullopt;
    }
    unsigned bits = max_bits;
    if (slash != std::string_view::npos) {
        const auto b = whole_number<unsigned>(text.substr(slash + 1));
        if (!b || *b > max_bits) {
            return std::nullopt;
        }
        bits = *b;
    }
    // An IPv4 range keeps the 96 bits of the mapped prefix: 0.0.0.0/0 is every
    // IPv4 address and no IPv6 one.
    r.bits = bits + (128 - max_bits);
    r.network = masked(r.network, r.bits);
    return r;
}

std::optional<std::string> parse_address_ranges(std::string_view list,
                                                std::vector<address_range>& out) {
    out.clear();
    while (true) {
        const auto comma = list.find(',');
        const auto item = list.substr(0, comma);
        const auto range = parse_address_range(item);
        if (!range) {
            std::string why{"'"};
            why.append(item).append(
                "' is not an address or CIDR network (10.0.0.0/8, 2001:db8::/32)");
            return why;
        }
        if (out.size() == kMaxAddressRanges) {
            return "at most " + std::to_string(kMaxAddressRanges) + " networks";
        }
        out.push_back(*range);
        if (comma == std::string_view::npos) {
            return std::nullopt;
        }
        list = list.substr(comma + 1);
    }
}

bool any_contains(const std::vector<address_range>& ranges, const peer_address& a) noexcept {
    return std::any_of(ranges.begin(), ranges.end(),
                       [&a](const address_range& r) { return r.contains(a); });
}

}  // namespace echo::core
