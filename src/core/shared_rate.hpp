// A bandwidth cap shared by every connection of a listener across loops (rate_total=):
// a lock-free GCRA over one atomic time, so a loop takes its bytes without waiting
// for another. A send takes its bytes when it starts (take_up_to: one compare-and-
// swap grants only room that is there), so sends started in one turn, on one loop
// or several, never share the same room; bytes taken only after they went (take)
// may overshoot by what another loop took between its available() and take().
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
        return room(tat_.load(std::memory_order_relaxed), now);
    }
    // `n` bytes went at `now`. Thread-safe.
    void take(std::uint64_t n, time_ns now) noexcept {
        const auto cost = cost_of(n);
        time_ns tat = tat_.load(std::memory_order_relaxed);
        while (!tat_.compare_exchange_weak(tat, std::max(tat, now) + cost,
                                           std::memory_order_relaxed)) {
        }
    }
    // Takes as many of `want` bytes as may go at `now`, and returns that many.
    // Thread-safe.
    [[nodiscard]] std::uint64_t take_up_to(std::uint64_t want, time_ns now) noexcept {
        time_ns tat = tat_.load(std::memory_order_relaxed);
        std::uint64_t granted = 0;
        do {
            granted = std::min(want, room(tat, now));
            if (granted == 0) {
                return 0;
            }
        } while (!tat_.compare_exchange_weak(tat, std::max(tat, now) + cost_of(granted),
                                             std::memory_order_relaxed));
        return granted;
    }
    // `n` bytes taken did not go after all. Thread-safe.
    void give_back(std::uint64_t n) noexcept {
        tat_.fetch_sub(cost_of(n), std::memory_order_relaxed);
    }
    // When a quantum's worth is free again.
    [[nodiscard]] time_ns next_free() const noexcept {
        return tat_.load(std::memory_order_relaxed) - kWindowNs + kQuantumNs;
    }

private:
    // Bytes that may go at `now` when every byte so far would have gone by `tat`.
    [[nodiscard]] std::uint64_t room(time_ns tat, time_ns now) const noexcept {
        const time_ns free = now + kWindowNs - std::max(tat, now);
        return free <= 0 ? 0 : static_cast<std::uint64_t>(static_cast<double>(free) / ns_per_byte_);
    }
    [[nodiscard]] time_ns cost_of(std::uint64_t n) const noexcept {
        return static_cast<time_ns>(static_cast<double>(n) * ns_per_byte_);
    }

    double ns_per_byte_;
    std::atomic<time_ns> tat_{0};  // when every byte taken so far would have gone at the rate
};

}  // namespace echo::core
