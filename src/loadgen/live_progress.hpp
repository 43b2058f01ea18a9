// What the load threads share with the main thread while running: counters read
// once a second and an interval histogram merged once a second, so the data path
// never takes the lock.
#pragma once

#include "core/latency_histogram.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>

namespace echo::loadgen {

struct live_progress {
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> errors{0};
    std::mutex lock;
    core::latency_histogram interval;  // guarded by lock
};

// When the phases of a run begin, in steady_clock nanoseconds.
struct timeline {
    std::int64_t antagonists_ns = 0;  // streamers begin, before the measured connections
    std::int64_t start_ns = 0;     // first measured message: the warm-up begins
    std::int64_t measure_ns = 0;   // warm-up over: completions from here on count
    std::int64_t end_ns = 0;       // no new message after this
    std::int64_t drain_end_ns = 0; // messages still owed now are unanswered
};

}  // namespace echo::loadgen
