// The turn budget is counted in bytes the socket took, not bytes offered: a
// client that reads slowly is not held back by what it has not read yet.
#include "services/chargen_application.hpp"

#include "core/chargen_pattern.hpp"

namespace echo::services {

void chargen_application::on_received(core::chunk_ptr bytes, pipeline::time_ns /*now*/) noexcept {
    received_ += bytes->size();
}

void chargen_application::on_timer(pipeline::time_ns /*now*/) noexcept { turn_sent_ = 0; }

// The stream has no end of its own: a drain would otherwise always run to its timeout.
void chargen_application::on_shutdown(pipeline::time_ns /*now*/) noexcept { stopping_ = true; }

std::span<const std::byte> chargen_application::begin_send() noexcept {
    if (sending_ || stopping_ || turn_sent_ >= kTurnBudget) {
        return {};
    }
    sending_ = true;
    return core::chargen_view(sent_, kTurnBudget - turn_sent_);
}

void chargen_application::on_sent(std::size_t n, pipeline::time_ns now) noexcept {
    sending_ = false;
    sent_ += n;
    turn_sent_ += n;
    if (turn_sent_ >= kTurnBudget) {
        spent_at_ = now;
    }
}

std::optional<pipeline::time_ns> chargen_application::wake_at() const noexcept {
    if (turn_sent_ >= kTurnBudget && !stopping_) {
        return spent_at_;
    }
    return std::nullopt;
}

}  // namespace echo::services
