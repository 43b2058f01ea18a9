// The choice is made on the first byte that differs from the preface (most
// HTTP/1.x requests: the first byte), or once all 24 bytes matched; a client
// cannot name a method that starts "PRI * HTTP/2.0" and mean HTTP/1.x.
#include "http/prior_knowledge_switch.hpp"

#include "http/h2_echo_app.hpp"

namespace echo::http {

prior_knowledge_switch::prior_knowledge_switch(std::shared_ptr<const http_echo_config> config,
                                               const pipeline::app_context& context)
    : config_(std::move(config)),
      context_(context),
      deadline_(context.now + config_->settings.request_timeout.count() * 1'000'000) {}

void prior_knowledge_switch::choose(bool h2, pipeline::time_ns now) noexcept {
    try {
        if (h2) {
            next_ = std::make_unique<h2_echo_app>(config_, context_);
        } else {
            next_ = std::make_unique<http_echo_app>(config_, context_);
        }
    } catch (const std::bad_alloc&) {
        out_of_memory_ = true;
        return;
    }
    while (!held_.empty()) {
        next_->on_received(held_.pop_front(), now);
    }
}

void prior_knowledge_switch::on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept {
    if (next_) {
        next_->on_received(std::move(bytes), now);
        return;
    }
    if (!bytes || out_of_memory_) {
        return;
    }
    received_ += bytes->size();
    std::optional<bool> h2;
    for (const auto b : bytes->payload()) {
        if (static_cast<char>(b) != kPreface[matched_]) {
            h2 = false;
            break;
        }
        if (++matched_ == kPreface.size()) {
            h2 = true;
            break;
        }
    }
    held_.push_back(std::move(bytes));
    if (h2) {
        choose(*h2, now);
    }
}

void prior_knowledge_switch::on_peer_eof(pipeline::time_ns now) noexcept {
    if (!next_ && !out_of_memory_) {
        choose(false, now);  // HTTP/1.x says what a cut-short request gets
    }
    if (next_) {
        next_->on_peer_eof(now);
    }
}

void prior_knowledge_switch::on_timer(pipeline::time_ns now) noexcept {
    if (!next_ && !out_of_memory_ && now >= deadline_) {
        choose(false, now);  // a stalled half preface: HTTP/1.x answers it 408
    }
    if (next_) {
        next_->on_timer(now);
    }
}

// Before the choice there is nothing to say goodbye with: the drain's deadline
// ends a connection that never sent enough to choose.
void prior_knowledge_switch::on_shutdown(pipeline::time_ns now) noexcept {
    if (next_) {
        next_->on_shutdown(now);
    }
}

std::span<const std::byte> prior_knowledge_switch::begin_send() noexcept {
    return next_ ? next_->begin_send() : std::span<const std::byte>{};
}

void prior_knowledge_switch::on_sent(std::size_t n, pipeline::time_ns now) noexcept {
    if (next_) {
        next_->on_sent(n, now);
    }
}

bool prior_knowledge_switch::wants_input() const noexcept {
    return next_ ? next_->wants_input() : !out_of_memory_;
}

bool prior_knowledge_switch::finished() const noexcept {
    return next_ ? next_->finished() : out_of_memory_;
}

std::optional<pipeline::time_ns> prior_knowledge_switch::wake_at() const noexcept {
    return next_ ? next_->wake_at() : std::optional{deadline_};
}

std::size_t prior_knowledge_switch::held_chunks() const noexcept {
    return next_ ? next_->held_chunks() : held_.count();
}

std::uint64_t prior_knowledge_switch::bytes_received() const noexcept {
    return next_ ? next_->bytes_received() : received_;
}

std::uint64_t prior_knowledge_switch::bytes_sent() const noexcept {
    return next_ ? next_->bytes_sent() : 0;
}

std::string_view prior_knowledge_switch::failure() const noexcept {
    return next_ ? next_->failure() : (out_of_memory_ ? "out_of_memory" : std::string_view{});
}

}  // namespace echo::http
