// What the two clock services answer, from a wall-clock time given to them: RFC
// 867 daytime, a line of text, and RFC 868 time, 32 bits of seconds since 1900.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::core {

// RFC 867 prescribes no syntax; this is the one it suggests, in UTC:
// "Friday, December 4, 2026 19:34:25-UTC\r\n".
struct daytime_text {
    std::array<std::byte, 48> bytes{};  // the longest line is 44 bytes
    std::size_t size = 0;

    [[nodiscard]] std::span<const std::byte> view() const noexcept { return {bytes.data(), size}; }
};

[[nodiscard]] daytime_text daytime_at(std::int64_t unix_seconds) noexcept;

// RFC 868: seconds since 1900-01-01 00:00 UTC, big-endian, modulo 2^32 (the count
// wraps in February 2036, as every RFC 868 client expects).
inline constexpr std::int64_t kSeconds1900To1970 = 2'208'988'800;

[[nodiscard]] std::array<std::byte, 4> time_at(std::int64_t unix_seconds) noexcept;

}  // namespace echo::core
