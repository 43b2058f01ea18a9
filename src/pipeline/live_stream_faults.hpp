// A stream listener's current faults, swapped by the admin thread and read by the
// loops: a generation counter tells an open connection's decorator, with one
// relaxed load per event, that there is a new spec to adopt.
#pragma once

#include "core/shared_rate.hpp"
#include "core/stream_faults.hpp"

#include <atomic>
#include <cstdint>
#include <memory>

namespace echo::pipeline {

// Thread affinity: replace() from any one thread at a time (the admin thread);
// the rest from any thread. No lock on the read side: generation() is one relaxed
// load, and the rest is read only when it moved.
class live_stream_faults {
public:
    struct snapshot {
        std::shared_ptr<const core::stream_faults> faults;
        std::shared_ptr<core::shared_rate> total;  // rate_total's bucket, or null
        std::uint64_t generation;
    };

    explicit live_stream_faults(std::shared_ptr<const core::stream_faults> faults);

    // The new spec, then the generation, released: a reader that sees the new
    // generation reads this spec or a newer one. A changed rate_total gets a new
    // bucket, shared by every connection from then on.
    void replace(std::shared_ptr<const core::stream_faults> faults);

    // Relaxed: moves at each replace().
    [[nodiscard]] std::uint64_t generation() const noexcept {
        return generation_.load(std::memory_order_relaxed);
    }
    // The spec, its bucket and the generation they are at least as new as.
    [[nodiscard]] snapshot current() const noexcept;

private:
    std::atomic<std::shared_ptr<const core::stream_faults>> faults_;
    // Stored before faults_, so a reader never pairs a spec with an older spec's bucket.
    std::atomic<std::shared_ptr<core::shared_rate>> total_;
    std::atomic<std::uint64_t> generation_{0};
};

}  // namespace echo::pipeline
