// Open-loop schedule: message k is due at start + k / rate, whatever happened to
// earlier messages, which is what keeps a stalled server from hiding its stall
// (no coordinated omission).
#pragma once

#include <cstdint>

namespace echo::core {

class pacer {
public:
    // `per_second` > 0.
    explicit pacer(double per_second) noexcept : interval_ns_(1e9 / per_second) {}

    // How many messages are due `elapsed_ns` after the start (message 0 at 0).
    [[nodiscard]] std::uint64_t due_by(std::int64_t elapsed_ns) const noexcept {
        return elapsed_ns < 0 ? 0
                              : static_cast<std::uint64_t>(static_cast<double>(elapsed_ns) /
                                                           interval_ns_) + 1;
    }
    // When message k is due, in ns after the start.
    [[nodiscard]] std::int64_t due_at(std::uint64_t k) const noexcept {
        return static_cast<std::int64_t>(static_cast<double>(k) * interval_ns_);
    }

private:
    double interval_ns_;
};

}  // namespace echo::core
