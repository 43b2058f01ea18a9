// A bandwidth cap shared by every connection of a listener across loops (rate_total=):
// a lock-free GCRA over one atomic time, so a loop takes its bytes without waiting
// for another. Races between loops may overshoot by what they take in one turn.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace echo::core {

class shared_rate {
public:
    using time_ns = std::int64_t;
    // Bytes saved up at most: 250 ms of the rate, as a connection's own bucket.
    static constexpr time_ns kWindowNs = 250'000'000;
    // Wake-ups ask for at least this much of the rate: ~100 a second at most.
    static constexpr time_ns kQuantumNs = 10'000'000;

    // `bytes_per_second` > 0.
    explicit shared_rate(std::uint64_t bytes_per_second) noexcept
        : ns_per_byte_(1e9 / static_cast<double>(bytes_per_second)) {}

    // Bytes that may go at `now`. Thread-safe.
    [[nodiscard]] std::uint64_t available(time_ns now) const noexcept {
        const time_ns tat = std::max(tat_.load(std::memory_order_relaxed), now);
        const time_ns room = now + kWindowNs - tat;
        return room <= 0 ? 0 : static_cast<std::uint64_t>(static_cast<double>(room) / ns_per_byte_);
    }
    // `n` bytes went at `now`. Thread-safe.
    void take(std::uint64_t n, time_ns now) noexcept {
        const auto cost = static_cast<time_ns>(static_cast<double>(n) * ns_per_byte_);
        time_ns tat = tat_.load(std::memory_order_relaxed);
        while (!tat_.compare_exchange_weak(tat, std::max(tat, now) + cost,
                                           std::memory_order_relaxed)) {
        }
    }
    // When a quantum's worth is free again.
    [[nodiscard]] time_ns next_free() const noexcept {
        return tat_.load(std::memory_order_relaxed) - kWindowNs + kQuantumNs;
    }

private:
    double ns_per_byte_;
    std::atomic<time_ns> tat_{0};  // when every byte taken so far would have gone at the rate
};

}  // namespace echo::core
