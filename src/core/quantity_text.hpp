// The values URL keys and request controls are written in: durations (250ms, 1.5s),
// byte sizes (10KiB, 1MiB) and probabilities (0.1). One reading for every key.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace echo::core {

// A number (with a fraction) and a unit: us, ms, s, m or h; a bare number is seconds,
// as whoami's ?wait is. Negative, non-finite and over ~31 years are refused, so the
// result always fits a steady-clock addition.
[[nodiscard]] std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// Whole bytes with an optional binary unit: KiB, MiB, GiB or TiB. Refused above `cap`
// (`cap` itself is taken).
[[nodiscard]] std::optional<std::uint64_t> parse_byte_size(std::string_view text,
                                                           std::uint64_t cap);

// A fraction from 0 to 1 inclusive, written as a decimal (0, 1, 0.25, .5).
[[nodiscard]] std::optional<double> parse_probability(std::string_view text);

}  // namespace echo::core
