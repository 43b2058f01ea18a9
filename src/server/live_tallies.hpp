// A listener's tallies as the worker keeps them: each counter has one writer (the
// worker's thread) and any number of readers (the metrics thread), so an increment
// is a relaxed load and store, never a locked instruction on the echo path.
#pragma once

#include "core/listener_tallies.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace echo::server {

class live_tallies {
public:
    void add(std::size_t index, std::uint64_t n = 1) noexcept {
        auto& v = values_[index];
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    // Adds this listener's counts to `into` (snapshots sum over workers).
    void add_to(core::listener_tallies& into) const noexcept {
        for (std::size_t i = 0; i < values_.size(); ++i) {
            into[i] += values_[i].load(std::memory_order_relaxed);
        }
    }

private:
    std::array<std::atomic<std::uint64_t>, core::tally::kCount> values_{};
};

}  // namespace echo::server
