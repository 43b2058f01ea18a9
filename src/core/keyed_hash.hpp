// SipHash with a secret 128-bit key: table indexes a remote peer cannot predict,
// so it cannot pick addresses that all land in one bucket (hash flooding).
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace echo::core {

struct hash_key {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;

    // A fresh key from the C++ library's entropy source (getrandom on Linux), drawn
    // once per table at construction; tests pass fixed keys instead.
    [[nodiscard]] static hash_key random() {
        std::random_device rd;
        const auto word = [&rd] { return (std::uint64_t{rd()} << 32) | rd(); };
        const auto k0 = word();
        return {k0, word()};
    }
};

namespace detail {

[[nodiscard]] constexpr std::uint64_t rotl(std::uint64_t x, int b) noexcept {
    return (x << b) | (x >> (64 - b));
}

struct sip_state {
    std::uint64_t v0, v1, v2, v3;

    constexpr void round() noexcept {
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
    }
};

}  // namespace detail

// SipHash-c-d (Aumasson and Bernstein) of `data` under `key`; little-endian words as
// the reference specifies.
template <int CompressionRounds, int FinalRounds>
[[nodiscard]] std::uint64_t siphash(const hash_key& key, std::span<const std::uint8_t> data) noexcept {
    detail::sip_state s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
                        key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
    const auto absorb = [&s](std::uint64_t m) {
        s.v3 ^= m;
        for (int i = 0; i < CompressionRounds; ++i) {
            s.round();
        }
        s.v0 ^= m;
    };
    const std::size_t whole = data.size() / 8 * 8;
    for (std::size_t at = 0; at < whole; at += 8) {
        std::uint64_t m = 0;
        for (int b = 7; b >= 0; --b) {
            m = (m << 8) | data[at + static_cast<std::size_t>(b)];
        }
        absorb(m);
    }
    std::uint64_t last = std::uint64_t{data.size() & 0xff} << 56;
    for (std::size_t b = whole; b < data.size(); ++b) {
        last |= std::uint64_t{data[b]} << (8 * (b - whole));
    }
    absorb(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < FinalRounds; ++i) {
        s.round();
    }
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

// The variant our tables use. SipHash-1-3 is what Rust's HashMap and CPython (3.11+)
// settled on for the same job: keyed, so a remote peer that cannot see the key cannot
// aim at a bucket, and about 20 ns for a 16-byte address, which is noise next to the
// sendmmsg each echoed datagram costs. A multiply-shift mix would be cheaper but is
// linear: one collision found by probing response times gives away whole families.
[[nodiscard]] inline std::uint64_t keyed_hash(const hash_key& key,
                                              std::span<const std::uint8_t> data) noexcept {
    return siphash<1, 3>(key, data);
}

}  // namespace echo::core
