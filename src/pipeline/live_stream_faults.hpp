// A stream listener's current faults, swapped by the admin thread and read by the
// loops: a generation counter tells an open connection's decorator, with one
// relaxed load per event, that there is a new spec to adopt.
#pragma once

#include "core/shared_rate.hpp"
#include "core/stream_faults.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace echo::pipeline {

// Thread-safe. The read side takes no lock per event: generation() is one relaxed
// load, and current() (a short lock, two shared_ptr copies) runs only when a
// connection is made or the generation moved. A mutex rather than
// std::atomic<std::shared_ptr>: libstdc++ 12 builds that on a spin lock whose
// load unlocks relaxed, which ThreadSanitizer rightly reports against the next
// store; the spec and its bucket also change together under one lock.
class live_stream_faults {
public:
    struct snapshot {
        std::shared_ptr<const core::stream_faults> faults;  // never null
        std::shared_ptr<core::shared_rate> total;           // rate_total's bucket, or null
        std::uint64_t generation;
    };

    // `faults` non-null.
    explicit live_stream_faults(std::shared_ptr<const core::stream_faults> faults);

    // `faults` non-null. A changed rate_total gets a new bucket, shared by every
    // connection from then on; the generation moves with the swap.
    void replace(std::shared_ptr<const core::stream_faults> faults);

    // Relaxed: a reader that sees it move reads the new spec through current().
    [[nodiscard]] std::uint64_t generation() const noexcept {
        return generation_.load(std::memory_order_relaxed);
    }
    // The spec, its bucket, and the generation they belong to.
    [[nodiscard]] snapshot current() const;

private:
    mutable std::mutex mutex_;
    snapshot now_;  // under mutex_
    std::atomic<std::uint64_t> generation_{0};
};

}  // namespace echo::pipeline
