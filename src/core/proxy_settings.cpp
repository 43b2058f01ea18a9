// proxy=require|optional, proxy_from=CIDR,..., proxy_timeout=SEC. The keys may come
// in any order, so the rules that tie them are checked once all are read.
#include "core/proxy_settings.hpp"

#include "core/ip_text.hpp"
#include "core/seconds_value.hpp"
#include "core/whole_number.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace echo::core {

namespace {

constexpr std::size_t kMaxRanges = 64;
constexpr std::chrono::milliseconds kMaxTimeout{3'600'000};

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

bool proxy_settings::reads_header_from(const std::optional<peer_address>& peer) const noexcept {
    if (mode == proxy_mode::require) {
        return true;
    }
    if (!peer) {
        return false;
    }
    for (const auto& r : from) {
        if (r.contains(*peer)) {
            return true;
        }
    }
    return false;
}

std::optional<std::string> take_proxy_key(std::string_view key, std::string_view value,
                                          std::optional<proxy_settings>& out) {
    if (key != "proxy" && key != "proxy_from" && key != "proxy_timeout") {
        return std::nullopt;
    }
    if (!out) {
        out.emplace();
    }
    if (key == "proxy") {
        out->mode_given = true;
        if (value == "require") {
            out->mode = proxy_mode::require;
        } else if (value == "optional") {
            out->mode = proxy_mode::optional;
        } else {
            return std::string{"proxy must be require or optional"};
        }
    } else if (key == "proxy_from") {
        out->from.clear();
        while (true) {
            const auto comma = value.find(',');
            const auto item = value.substr(0, comma);
            const auto range = parse_address_range(item);
            if (!range) {
                return "proxy_from: '" + std::string{item} +
                       "' is not an address or CIDR network (10.0.0.0/8, 2001:db8::/32)";
            }
            if (out->from.size() == kMaxRanges) {
                return std::string{"proxy_from takes at most 64 networks"};
            }
            out->from.push_back(*range);
            if (comma == std::string_view::npos) {
                break;
            }
            value = value.substr(comma + 1);
        }
    } else {
        const auto t = seconds_value(value, kMaxTimeout);
        if (!t) {
            return std::string{"proxy_timeout must be seconds, above 0 and at most 3600"};
        }
        out->timeout = *t;
    }
    return std::string{};
}

std::optional<std::string> finish_proxy_settings(const std::optional<proxy_settings>& settings,
                                                 bool unix_listener) {
    if (!settings) {
        return std::nullopt;
    }
    if (!settings->mode_given) {
        return std::string{"proxy_from and proxy_timeout need proxy=require or proxy=optional"};
    }
    if (settings->mode == proxy_mode::optional && settings->from.empty()) {
        // The specification forbids guessing whether a header is there: only
        // sources named as balancers may choose.
        return std::string{"proxy=optional needs proxy_from=CIDR,... (the balancers' addresses)"};
    }
    if (settings->mode == proxy_mode::require && !settings->from.empty()) {
        return std::string{"proxy_from goes with proxy=optional (with proxy=require every "
                           "connection must send a header)"};
    }
    if (unix_listener && settings->mode == proxy_mode::optional) {
        return std::string{"a Unix listener takes proxy=require only (its peers have no address "
                           "for proxy_from)"};
    }
    return std::nullopt;
}

}  // namespace echo::core
