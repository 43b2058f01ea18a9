// A reason shows an example and the cap in the form the key takes, so the user can
// type what the message says (a cap of 1TiB, not 1099511627776).
#include "core/fault_values.hpp"

#include "core/quantity_text.hpp"
#include "core/whole_number.hpp"

#include <initializer_list>
#include <utility>

namespace echo::core {

namespace {

// The cap in the largest binary unit that writes it whole.
std::string byte_size_text(std::uint64_t n) {
    for (const auto& [unit, shift] : {std::pair{"TiB", 40}, std::pair{"GiB", 30},
                                      std::pair{"MiB", 20}, std::pair{"KiB", 10}}) {
        if (n >= (std::uint64_t{1} << shift) && n % (std::uint64_t{1} << shift) == 0) {
            return std::to_string(n >> shift) + unit;
        }
    }
    return std::to_string(n);
}

}  // namespace

std::string take_fault_duration(std::string_view key, std::string_view value,
                                std::chrono::nanoseconds cap, std::chrono::nanoseconds& out) {
    const auto d = parse_duration(value);
    if (!d || *d > cap) {
        return std::string{key} + " must be a duration (250ms, 1.5s) of at most " +
               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(cap).count()) +
               " s";
    }
    out = *d;
    return {};
}

std::string take_fault_bytes(std::string_view key, std::string_view value, std::uint64_t cap,
                             std::uint64_t& out) {
    const auto n = parse_byte_size(value, cap);
    if (!n) {
        return std::string{key} + " must be bytes (4096, 10KiB, 1MiB) of at most " +
               byte_size_text(cap);
    }
    out = *n;
    return {};
}

std::string take_fault_rate(std::string_view key, std::string_view value, std::uint64_t cap,
                            std::uint64_t& out) {
    if (value.ends_with("/s")) {
        value.remove_suffix(2);
    }
    const auto n = parse_byte_size(value, cap);
    if (!n || *n == 0) {
        return std::string{key} + " must be bytes per second (4096, 64KiB, 1MiB/s) from 1 to " +
               byte_size_text(cap);
    }
    out = *n;
    return {};
}

std::string take_fault_probability(std::string_view key, std::string_view value, double& out) {
    const auto p = parse_probability(value);
    if (!p) {
        return std::string{key} + " must be a probability from 0 to 1 (0.1)";
    }
    out = *p;
    return {};
}

std::string take_fault_seed(std::string_view key, std::string_view value, std::uint64_t& out) {
    const auto n = whole_number<std::uint64_t>(value);
    if (!n) {
        return std::string{key} + " must be a whole number from 0 to 18446744073709551615";
    }
    out = *n;
    return {};
}

}  // namespace echo::core
