// A fault key's value read into its field, for stream and udp listeners alike, so
// the same mistake in the same key gets the same one-line reason on either.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace echo::core {

// Each returns an empty text when `value` was taken into `out`, else why not (naming
// `key`), and then leaves `out` as it was. Caps are inclusive: the cap itself is taken.

// A duration (quantity_text) of at most `cap`.
[[nodiscard]] std::string take_fault_duration(std::string_view key, std::string_view value,
                                              std::chrono::nanoseconds cap,
                                              std::chrono::nanoseconds& out);
// A byte count (quantity_text) of at most `cap`.
[[nodiscard]] std::string take_fault_bytes(std::string_view key, std::string_view value,
                                           std::uint64_t cap, std::uint64_t& out);
// Bytes per second from 1 to `cap`, with or without its unit: 1MiB and 1MiB/s are
// the same.
[[nodiscard]] std::string take_fault_rate(std::string_view key, std::string_view value,
                                          std::uint64_t cap, std::uint64_t& out);
// A probability (quantity_text).
[[nodiscard]] std::string take_fault_probability(std::string_view key, std::string_view value,
                                                 double& out);
// Any 64-bit whole number.
[[nodiscard]] std::string take_fault_seed(std::string_view key, std::string_view value,
                                          std::uint64_t& out);

}  // namespace echo::core
