// Inbound, every stage's output is the next one's input; outbound, each stage's
// wire bytes are the application bytes of the stage below. A stage that cannot
// take more holds the rest where it is, so nothing reorders.
#include "pipeline/chain.hpp"

namespace echo::pipeline {

chain::chain(std::vector<std::unique_ptr<stage>> stages) noexcept
    : stages_(std::move(stages)), ended_(stages_.size(), false) {}

core::chunk_ptr chain::pull_app() noexcept {
    for (std::size_t i = 0; i + 1 < stages_.size(); ++i) {
        while (auto c = stages_[i]->pull_inbound()) {
            stages_[i + 1]->push_inbound(std::move(c));
        }
        if (stages_[i]->inbound_finished() && !ended_[i + 1]) {
            ended_[i + 1] = true;
            stages_[i + 1]->inbound_ended();
        }
    }
    auto out = stages_.back()->pull_inbound();
    // The top stage may have written (a handshake reply): carry it to the wire.
    carry_down(stages_.size() - 1);
    return out;
}

std::size_t chain::push_app(std::span<const std::byte> bytes) noexcept {
    const std::size_t n = stages_.back()->push_outbound(bytes);
    carry_down(stages_.size() - 1);
    return n;
}

void chain::app_ended() noexcept {
    stages_.back()->outbound_ended();
    carry_down(stages_.size() - 1);
    for (std::size_t i = stages_.size() - 1; i > 0; --i) {
        if (stages_[i]->wire().empty()) {
            stages_[i - 1]->outbound_ended();
        }
    }
}

void chain::carry_down(std::size_t from) noexcept {
    for (std::size_t i = from; i > 0; --i) {
        auto& out = stages_[i]->wire();
        while (!out.empty()) {
            const auto n = stages_[i - 1]->push_outbound(out.front()->payload());
            if (n == 0) {
                break;
            }
            out.consume_front(n);
            if (out.front()->size() == 0) {
                (void)out.pop_front();
            }
        }
    }
}

stage_state chain::state() const noexcept {
    auto state = stage_state::open;
    for (const auto& s : stages_) {
        if (s->state() == stage_state::failed) {
            return stage_state::failed;
        }
        if (s->state() == stage_state::opening) {
            state = stage_state::opening;
        }
    }
    return state;
}

std::string_view chain::failure() const noexcept {
    for (const auto& s : stages_) {
        if (s->state() == stage_state::failed) {
            return s->failure();
        }
    }
    return {};
}

std::size_t chain::held() const noexcept {
    std::size_t n = 0;
    for (const auto& s : stages_) {
        n += s->held();
    }
    return n;
}

}  // namespace echo::pipeline
