// The order that keeps readers consistent: bucket, spec, generation on the write
// side; generation (acquire), spec, bucket on the read side.
#include "pipeline/live_stream_faults.hpp"

namespace echo::pipeline {

live_stream_faults::live_stream_faults(std::shared_ptr<const core::stream_faults> faults)
    : faults_(std::move(faults)) {
    const auto spec = faults_.load();
    if (spec && spec->rate_total > 0) {
        total_ = std::make_shared<core::shared_rate>(spec->rate_total);
    }
}

void live_stream_faults::replace(std::shared_ptr<const core::stream_faults> faults) {
    const auto old = faults_.load();
    const std::uint64_t rate = faults ? faults->rate_total : 0;
    if (rate == 0) {
        total_.store(nullptr);
    } else if (!old || old->rate_total != rate) {
        total_.store(std::make_shared<core::shared_rate>(rate));
    }
    faults_.store(std::move(faults));
    generation_.fetch_add(1, std::memory_order_release);
}

live_stream_faults::snapshot live_stream_faults::current() const noexcept {
    const auto generation = generation_.load(std::memory_order_acquire);
    auto faults = faults_.load();
    return {std::move(faults), total_.load(), generation};
}

}  // namespace echo::pipeline
