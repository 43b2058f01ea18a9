// The generation moves inside the lock, after the swap, so a snapshot's generation
// always names the spec it carries.
#include "pipeline/live_stream_faults.hpp"

namespace echo::pipeline {

live_stream_faults::live_stream_faults(std::shared_ptr<const core::stream_faults> faults)
    : now_{std::move(faults), nullptr, 0} {
    if (now_.faults->rate_total > 0) {
        now_.total = std::make_shared<core::shared_rate>(now_.faults->rate_total);
    }
}

void live_stream_faults::replace(std::shared_ptr<const core::stream_faults> faults) {
    const std::uint64_t rate = faults->rate_total;
    const std::lock_guard lock{mutex_};
    if (rate == 0) {
        now_.total.reset();
    } else if (now_.faults->rate_total != rate) {
        now_.total = std::make_shared<core::shared_rate>(rate);
    }
    now_.faults = std::move(faults);
    ++now_.generation;
    // Relaxed is enough: whoever sees it move reads the spec under the lock.
    generation_.store(now_.generation, std::memory_order_relaxed);
}

live_stream_faults::snapshot live_stream_faults::current() const {
    const std::lock_guard lock{mutex_};
    return now_;
}

}  // namespace echo::pipeline
