// What a listener's stream faults did, for /metrics: connections faulted by kind,
// bytes delayed and bytes lost to a reset. Shared by every loop: relaxed atomics only.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace echo::pipeline {

class fault_tallies {
public:
    enum class kind : std::uint8_t {
        delay, jitter, rate, slice, close_after, reset_after, stall, slow_close,
        accept_delay, refuse
    };
    static constexpr std::size_t kKinds = 10;
    // The `fault` label of echo_faulted_connections_total.
    [[nodiscard]] static constexpr std::string_view name_of(kind k) noexcept {
        constexpr std::string_view names[kKinds] = {"delay",       "jitter",      "rate",
                                                    "slice",       "close_after", "reset_after",
                                                    "stall",       "slow_close",  "accept_delay",
                                                    "refuse"};
        return names[static_cast<std::size_t>(k)];
    }

    void faulted(kind k) noexcept { add(faulted_[static_cast<std::size_t>(k)], 1); }
    void delayed(std::uint64_t bytes) noexcept { add(delayed_, bytes); }
    void reset(std::uint64_t bytes) noexcept { add(reset_, bytes); }
    [[nodiscard]] std::uint64_t faulted_count(kind k) const noexcept {
        return faulted_[static_cast<std::size_t>(k)].load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t bytes_delayed() const noexcept {
        return delayed_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t bytes_reset() const noexcept {
        return reset_.load(std::memory_order_relaxed);
    }

private:
    static void add(std::atomic<std::uint64_t>& a, std::uint64_t n) noexcept {
        a.fetch_add(n, std::memory_order_relaxed);
    }
    std::array<std::atomic<std::uint64_t>, kKinds> faulted_{};
    std::atomic<std::uint64_t> delayed_{0};
    std::atomic<std::uint64_t> reset_{0};
};

}  // namespace echo::pipeline
