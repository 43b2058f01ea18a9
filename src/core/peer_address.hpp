// A peer's IP address, whole, for per-source limits: IPv4 is held in its
// IPv4-mapped IPv6 form (::ffff:a.b.c.d), so a v4 client reaching a dual-stack
// socket is the same peer as when it reaches an IPv4 one.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

namespace echo::core {

struct peer_address {
    std::array<std::uint8_t, 16> bytes{};

    // `v4` in network order, as in in_addr.
    [[nodiscard]] static peer_address ipv4(std::span<const std::uint8_t, 4> v4) noexcept {
        peer_address a;
        a.bytes[10] = 0xff;
        a.bytes[11] = 0xff;
        std::copy(v4.begin(), v4.end(), a.bytes.begin() + 12);
        return a;
    }
    [[nodiscard]] static peer_address ipv6(std::span<const std::uint8_t, 16> v6) noexcept {
        peer_address a;
        std::copy(v6.begin(), v6.end(), a.bytes.begin());
        return a;
    }

    [[nodiscard]] bool is_ipv4() const noexcept {
        constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::equal(kMapped.begin(), kMapped.end(), bytes.begin());
    }

    // The network this address is in, `bits` long (1..128), for IPv6; an IPv4
    // address stays whole (its /32 is one host).
    [[nodiscard]] peer_address ipv6_prefix(unsigned bits) const noexcept {
        if (is_ipv4() || bits >= 128) {
            return *this;
        }
        peer_address a = *this;
        for (unsigned i = 0; i < 16; ++i) {
            const unsigned kept = bits > i * 8 ? std::min(8U, bits - i * 8) : 0;
            a.bytes[i] &= static_cast<std::uint8_t>(0xff00U >> kept);
        }
        return a;
    }

    friend bool operator==(const peer_address&, const peer_address&) = default;
};

}  // namespace echo::core
