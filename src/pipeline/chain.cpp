// Inbound, every stage's output is the next one's input; outbound, each stage's
// wire bytes are the application bytes of the stage below. A stage that cannot
// take more holds the rest where it is, so nothing reorders.
#include "pipeline/chain.hpp"

namespace echo::pipeline {

chain::chain(std::vector<std::unique_ptr<stage>> stages) noexcept
    : stages_(std::move(stages)),
      in_ended_(stages_.size(), false),
      out_ended_(stages_.size(), false) {}

core::chunk_ptr chain::pull_app() noexcept {
    for (std::size_t i = first_; i + 1 < stages_.size(); ++i) {
        while (auto c = stages_[i]->pull_inbound()) {
            stages_[i + 1]->push_inbound(std::move(c));
        }
        if (stages_[i]->inbound_finished() && !in_ended_[i + 1]) {
            in_ended_[i + 1] = true;
            stages_[i + 1]->inbound_ended();
        }
    }
    auto out = stages_.back()->pull_inbound();
    // The top stage may have written (a handshake reply): carry it to the wire.
    carry_down();
    skip_transparent();
    return out;
}

std::size_t chain::push_app(std::span<const std::byte> bytes) noexcept {
    const std::size_t n = stages_.back()->push_outbound(bytes);
    carry_down();
    return n;
}

void chain::app_ended() noexcept {
    if (!out_ended_.back()) {
        out_ended_.back() = true;
        stages_.back()->outbound_ended();
    }
    carry_down();
}

void chain::carry_down() noexcept {
    for (std::size_t i = stages_.size() - 1; i > first_; --i) {
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
        // A stage's closing bytes (a TLS close_notify) go below before the stage
        // below is told to close too.
        if (out_ended_[i] && out.empty() && !out_ended_[i - 1]) {
            out_ended_[i - 1] = true;
            stages_[i - 1]->outbound_ended();
        }
    }
}

void chain::skip_transparent() noexcept {
    while (first_ + 1 < stages_.size()) {
        const auto& s = *stages_[first_];
        if (s.state() != stage_state::open || !s.transparent() || s.held() != 0 ||
            in_ended_[first_ + 1] || s.inbound_finished()) {
            return;
        }
        ++first_;
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

std::size_t chain::opened() const noexcept {
    std::size_t n = 0;
    while (n < stages_.size() && stages_[n]->state() == stage_state::open) {
        ++n;
    }
    return n;
}

bool chain::transparent() const noexcept {
    for (const auto& s : stages_) {
        if (s->state() != stage_state::open || !s->transparent() || s->held() != 0 ||
            !s->wire().empty()) {
            return false;
        }
    }
    return true;
}

peer_claim chain::claim() const noexcept {
    for (const auto& s : stages_) {
        const auto c = s->claim();
        if (c.pending || c.address) {
            return c;
        }
    }
    return {};
}

}  // namespace echo::pipeline
