// splitmix64 (Steele, Lea and Flood, 2014), the one generator behind every seeded
// choice here: the faults' dice and jitter, and the load generator's message bytes.
#pragma once

#include <cstdint>

namespace echo::core {

// The output mix alone, a bijection on 64 bits that spreads every input bit over the
// whole result: a hash of a counter or of packed ids.
[[nodiscard]] constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// One add and one mix a draw, period 2^64, and every seed (0 too) gives a
// full-quality sequence, which xorshift's all-zero state would not. Integer-only, so
// a seed gives the same sequence on every platform. Not thread-safe: one per user.
class splitmix64 {
public:
    explicit constexpr splitmix64(std::uint64_t seed) noexcept : state_(seed) {}

    [[nodiscard]] constexpr std::uint64_t next() noexcept {
        return splitmix64_mix(state_ += 0x9e3779b97f4a7c15ULL);
    }
    // In [0, 1): the top 53 bits, as many as a double holds exactly.
    [[nodiscard]] constexpr double uniform() noexcept {
        return static_cast<double>(next() >> 11) * 0x1.0p-53;
    }

private:
    std::uint64_t state_;
};

}  // namespace echo::core
