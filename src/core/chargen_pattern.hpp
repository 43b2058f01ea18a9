// RFC 864's character generator pattern: lines of 72 of the 95 printable ASCII
// characters, each line starting one character further on, ended by CR LF. The
// stream repeats every 95 lines (7030 bytes), so any position is a view into one
// shared, immutable table and a connection holds nothing but its position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::core {

inline constexpr std::size_t kChargenLineChars = 72;
inline constexpr std::size_t kChargenLineBytes = kChargenLineChars + 2;  // with CR LF
inline constexpr std::size_t kChargenPrintable = 95;                     // ' ' to '~'
inline constexpr std::size_t kChargenPeriod = kChargenPrintable * kChargenLineBytes;
// The longest view chargen_view() gives.
inline constexpr std::size_t kChargenMaxView = 64 * 1024;

// The pattern from byte `position` of the stream on, at most `max` (and
// kChargenMaxView) bytes. The view is of static storage: valid for the whole run,
// shared by every thread, never written.
[[nodiscard]] std::span<const std::byte> chargen_view(std::uint64_t position,
                                                      std::size_t max) noexcept;

}  // namespace echo::core
