// The admission limits shared by every worker: one lock around the bookkeeping,
// taken once per accept and once per close, and only when such a limit is set.
#pragma once

#include "core/admission.hpp"

#include <mutex>

namespace echo::server {

class admission_gate {
public:
    explicit admission_gate(const core::connection_limits& limits) : admission_(limits) {}

    [[nodiscard]] std::optional<core::refusal> admit(const std::optional<core::peer_address>& peer,
                                                     std::int64_t now_ns) {
        std::lock_guard lock(mutex_);
        return admission_.admit(peer, now_ns);
    }
    [[nodiscard]] std::optional<core::refusal> admit_address(const core::peer_address& peer) {
        std::lock_guard lock(mutex_);
        return admission_.admit_address(peer);
    }
    void release(const std::optional<core::peer_address>& peer) noexcept {
        std::lock_guard lock(mutex_);
        admission_.release(peer);
    }

private:
    std::mutex mutex_;
    core::admission admission_;
};

}  // namespace echo::server
