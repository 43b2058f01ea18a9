// Input waits in the worker's chunks while a send is in flight or the session's
// output is over its high water, so memory per session stays bounded by the
// session's own bound plus --max-buffer, whatever the peer sends or leaves unread.
#include "http/websocket_app.hpp"

#include "core/log_event.hpp"
#include "core/log_safe.hpp"

#include <fmt/format.h>

namespace echo::http {

websocket_app::websocket_app(std::shared_ptr<const websocket_echo_config> config,
                             websocket_start start)
    : config_(std::move(config)),
      start_(std::move(start)),
      session_(std::make_unique<core::websocket_session>(config_->settings.session)),
      last_now_(start_.now) {
    config_->observer->count_opened();
}

websocket_app::~websocket_app() {
    const auto closed = session_->state() == core::websocket_state::closed;
    const auto why = failure();
    const std::string_view end = !why.empty() ? why : closed ? "closed" : kAbnormalEnd;
    config_->observer->count_ended(session_->close_code(), closed && why.empty() ? "" : end);
    try {
        log_end(end);
    } catch (const std::bad_alloc&) {
        // The line is lost; the counters above still tell.
    }
}

// One line per session; the target and subprotocol are the client's bytes,
// escaped so they cannot end the line or pose as another field.
void websocket_app::log_end(std::string_view end) {
    auto* log = start_.log;
    if (log == nullptr || !log->wants_info()) {
        return;
    }
    const auto& counters = session_->counters();
    const auto target = core::log_safe(start_.target);
    const auto subprotocol = core::log_safe(start_.subprotocol);
    const std::pair<std::string_view, std::string> fields[] = {
        {"target", target},
        {"subprotocol", subprotocol},
        {"messages", std::to_string(counters.messages)},
        {"close_code", std::to_string(session_->close_code())},
        {"peer_close_code", std::to_string(session_->peer_close_code())}};
    const double ms = static_cast<double>(last_now_ - start_.now) / 1e6;
    const core::log_event event{.event = "websocket",
                                .peer = start_.peer,
                                .listener = start_.listener,
                                .bytes_in = received_,
                                .bytes_out = sent_,
                                .duration_ms = ms,
                                .reason = end,
                                .fields = fields};
    log->info(event, log->structured()
                         ? std::string{}
                         : fmt::format("websocket {} {} ended: {} ({} messages, close {} / peer {}, "
                                       "{} bytes in, {} out)",
                                       start_.peer, target, end, counters.messages,
                                       session_->close_code(), session_->peer_close_code(),
                                       received_, sent_));
}

void websocket_app::on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept {
    last_now_ = now;
    if (!bytes || bytes->size() == 0) {
        return;
    }
    received_ += bytes->size();
    in_.push_back(std::move(bytes));
    advance(now);
}

void websocket_app::on_peer_eof(pipeline::time_ns now) noexcept {
    last_now_ = now;
    peer_eof_ = true;
    advance(now);
}

void websocket_app::on_timer(pipeline::time_ns now) noexcept {
    last_now_ = now;
    if (send_deadline_ != 0 && now >= send_deadline_) {
        send_deadline_ = 0;
        abandoned_ = true;
        return;
    }
    if (closing_deadline_ != 0 && now >= closing_deadline_) {
        closing_deadline_ = 0;
        timed_out_ = true;
    }
}

void websocket_app::on_shutdown(pipeline::time_ns now) noexcept {
    last_now_ = now;
    if (in_flight_) {
        shutdown_pending_ = true;
        return;
    }
    session_->close(1001);
    advance(now);
}

void websocket_app::advance(pipeline::time_ns now) noexcept {
    auto& session = *session_;
    while (!in_flight_ && !in_.empty() && session.state() != core::websocket_state::closed) {
        auto* front = in_.front();
        in_.consume_front(session.feed(front->payload()));
        if (front->size() != 0) {
            break;  // the session's output is at its high water
        }
        (void)in_.pop_front();
    }
    if (session.state() == core::websocket_state::closed) {
        in_.clear();  // after the peer's close, nothing it sends means anything
        closing_deadline_ = 0;
    } else if (session.state() == core::websocket_state::closing && closing_deadline_ == 0 &&
               !timed_out_) {
        closing_deadline_ = now + kClosingTimeout;
    }
    if (!in_flight_ && session.output().empty()) {
        send_deadline_ = 0;
    } else if (send_deadline_ == 0) {
        send_deadline_ = now + start_.send_timeout;
    }
    const auto& counters = session.counters();
    if (counters.messages != counted_messages_) {
        config_->observer->count_echoed(counters.messages - counted_messages_,
                                        counters.message_bytes - counted_bytes_);
        counted_messages_ = counters.messages;
        counted_bytes_ = counters.message_bytes;
    }
}

std::span<const std::byte> websocket_app::begin_send() noexcept {
    if (in_flight_ || timed_out_ || abandoned_) {
        return {};
    }
    const auto out = session_->output();
    in_flight_ = !out.empty();
    return out;
}

void websocket_app::on_sent(std::size_t n, pipeline::time_ns now) noexcept {
    last_now_ = now;
    in_flight_ = false;
    sent_ += n;
    if (n > 0) {
        send_deadline_ = 0;  // the peer took some: advance() starts a new wait
    }
    session_->on_sent(n);
    if (shutdown_pending_) {
        shutdown_pending_ = false;
        session_->close(1001);
    }
    advance(now);
}

bool websocket_app::wants_input() const noexcept {
    return !peer_eof_ && !timed_out_ && !abandoned_ &&
           session_->state() != core::websocket_state::closed && session_->wants_input();
}

bool websocket_app::finished() const noexcept {
    if (abandoned_) {
        return true;
    }
    if (in_flight_) {
        return false;
    }
    if (timed_out_) {
        return true;
    }
    const bool drained = session_->output().empty();
    if (session_->state() == core::websocket_state::closed) {
        return drained;
    }
    // The peer went without a close: what it may still read is sent, then the
    // connection ends.
    return peer_eof_ && drained && in_.empty();
}

std::optional<pipeline::time_ns> websocket_app::wake_at() const noexcept {
    std::optional<pipeline::time_ns> next;
    for (const auto t : {closing_deadline_, send_deadline_}) {
        if (t != 0 && (!next || t < *next)) {
            next = t;
        }
    }
    return next;
}

std::string_view websocket_app::failure() const noexcept {
    if (!session_->failure().empty()) {
        return session_->failure();
    }
    if (abandoned_) {
        return kSendTimedOut;
    }
    return timed_out_ ? kClosingTimedOut : std::string_view{};
}

}  // namespace echo::http
