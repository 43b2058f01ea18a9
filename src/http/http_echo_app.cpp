// One request at a time: the reader pauses after each, the answer is queued (or
// held for its ?delay=), and only then is the next request read. So answers go
// out in request order, and a pipelining client waits in the socket, not in memory.
#include "http/http_echo_app.hpp"

#include "core/h2c_upgrade_request.hpp"
#include "core/websocket_handshake.hpp"
#include "http/echo_origin_of.hpp"
#include "http/h2_echo_app.hpp"
#include "http/request_log.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace echo::http {

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

over_limit limit_of(core::http_refusal r) noexcept {
    switch (r) {
        case core::http_refusal::head_too_large: return over_limit::head_too_large;
        case core::http_refusal::too_many_headers: return over_limit::too_many_headers;
        case core::http_refusal::body_too_large: return over_limit::body_too_large;
        case core::http_refusal::method_not_allowed: return over_limit::method_not_allowed;
        case core::http_refusal::version_not_supported: return over_limit::version_not_supported;
        default: return over_limit::malformed;
    }
}

std::vector<core::http_header_view> header_views(const core::http_request& q) {
    std::vector<core::http_header_view> views;
    views.reserve(q.headers.size());
    for (const auto& h : q.headers) {
        views.push_back({h.name, h.value});
    }
    return views;
}

}  // namespace

http_echo_app::http_echo_app(std::shared_ptr<const http_echo_config> config,
                             const pipeline::app_context& context)
    : config_(std::move(config)),
      origin_(echo_origin_of(context)),
      listener_(context.listener),
      wall_offset_ns_(context.wall_offset_ns),
      log_(context.log),
      reader_(config_->settings.limits) {
    request_deadline_ = context.now + config_->settings.request_timeout.count() * 1'000'000;
}

void http_echo_app::on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept {
    if (!bytes || bytes->size() == 0) {
        return;
    }
    received_ += bytes->size();
    if (successor_) {
        successor_->on_received(std::move(bytes), now);
        return;
    }
    in_.push_back(std::move(bytes));
    advance(now);
}

void http_echo_app::on_peer_eof(pipeline::time_ns now) noexcept {
    if (!peer_eof_) {
        peer_eof_ = true;
        successor_ ? successor_->on_peer_eof(now) : advance(now);
    }
}

void http_echo_app::on_shutdown(pipeline::time_ns now) noexcept {
    if (successor_) {
        successor_->on_shutdown(now);
    }
}

void http_echo_app::on_timer(pipeline::time_ns now) noexcept {
    if (successor_) {
        successor_->on_timer(now);
        return;
    }
    if (send_deadline_ != 0 && now >= send_deadline_) {
        abandoned_ = true;
        close_after_ = true;
        ended_by_ = "send_timeout";
        return;
    }
    if (delay_until_ != 0 && now >= delay_until_) {
        delay_until_ = 0;
        queued_ += delayed_;
        filler_left_ = delayed_filler_;
        filler_at_ = 0;
        std::string{}.swap(delayed_);
        delayed_filler_ = 0;
    }
    if (request_deadline_ != 0 && now >= request_deadline_) {
        request_deadline_ = 0;
        if (reader_.current() == core::http_request_reader::state::reading) {
            refuse(408, over_limit::request_timeout, "request not complete within request_timeout",
                   now);
        } else if (reader_.current() == core::http_request_reader::state::idle) {
            // An idle keep-alive connection: closed without a word, as a client
            // that sends its next request just then would misread a 408.
            close_after_ = true;
            ended_by_ = "keepalive_timeout";
        }
    }
    advance(now);
}

void http_echo_app::advance(pipeline::time_ns now) noexcept {
    using state = core::http_request_reader::state;
    if (successor_) {
        return;
    }
    try {
        while (!close_after_ && delay_until_ == 0 && filler_left_ == 0 && queued() < kQueuedHigh) {
            const auto st = reader_.current();
            if (st == state::ready) {
                answer(now);
                if (successor_) {
                    return;  // hand_over() gave it the bytes and cleared the deadline
                }
                continue;
            }
            if (st == state::failed) {
                const auto r = reader_.refusal();
                refuse(core::status_of(r), limit_of(r), core::name_of(r), now);
                break;
            }
            if (in_.empty()) {
                break;
            }
            auto* front = in_.front();
            in_.consume_front(reader_.feed(front->payload(), now));
            if (front->size() == 0) {
                (void)in_.pop_front();
            }
            if (reader_.take_continue()) {
                queued_ += kContinue;
            }
        }
        if (peer_eof_ && in_.empty() && !close_after_ && delay_until_ == 0) {
            reader_.feed_eof(now);
            if (reader_.current() == state::failed) {
                refuse(400, over_limit::malformed, "request cut short", now);
            }
        }
    } catch (const std::bad_alloc&) {
        close_after_ = true;
        ended_by_ = "out_of_memory";
    }
    const auto st = reader_.current();
    const bool waiting = !close_after_ && !peer_eof_ && delay_until_ == 0 && filler_left_ == 0 &&
                         queued() < kQueuedHigh && in_.empty() &&
                         (st == state::idle || st == state::reading);
    const auto timeout = config_->settings.request_timeout.count() * 1'000'000;
    if (!waiting) {
        request_deadline_ = 0;
    } else if (request_deadline_ == 0) {
        request_deadline_ = now + timeout;
    }
    if (idle_output()) {
        send_deadline_ = 0;
    } else if (send_deadline_ == 0) {
        send_deadline_ = now + timeout;
    }
}

void http_echo_app::answer(pipeline::time_ns now) {
    const auto& q = reader_.request();
    const auto& settings = config_->settings;
    request_deadline_ = 0;
    ++answered_;
    // A request may name both upgrades; a valid h2c one is taken first, as it
    // cannot fail where a WebSocket handshake can.
    if (settings.h2 && !origin_.tls) {
        if (auto h2c = core::h2c_settings_of(q)) {
            upgrade_to_h2c(std::move(*h2c), now);
            return;
        }
    }
    if (config_->websocket) {
        const auto views = header_views(q);
        if (core::asks_for_websocket(views)) {
            upgrade_to_websocket(views, now);
            return;
        }
    }
    auto controls = core::read_controls(q, settings);
    const bool close = !q.keep_alive || controls.close ||
                       (settings.max_requests != 0 && answered_ >= settings.max_requests);
    auto [status, content_type, body, filler] =
        core::answer_of({q, origin_, config_->server, listener_, wall_offset_ns_}, controls);
    if (!controls.error.empty()) {
        config_->observer->count_refusal(over_limit::bad_control);
    }
    const bool with_body = core::has_body(status, q.method);
    std::string out;
    core::append_head(out, {.status = status,
                            .content_type = content_type,
                            .content_length = filler + body.size(),
                            .close = close,
                            .keep_alive_1_0 = q.version_minor == 0 && !close,
                            .extra = &controls.set_headers});
    const auto head_size = out.size();
    if (with_body) {
        out += body;
    } else {
        filler = 0;
    }
    config_->observer->count_request(status, q.method);
    log_request(status, head_size + (with_body ? body.size() + filler : 0));
    if (controls.delay.count() > 0) {
        delayed_ = std::move(out);
        delayed_filler_ = filler;
        delay_until_ = now + controls.delay.count() * 1'000'000;
    } else {
        queued_ += out;
        filler_left_ = filler;
        filler_at_ = 0;
    }
    if (close) {
        close_after_ = true;
        ended_by_ = !q.keep_alive || controls.close ? "connection_close" : "max_requests";
        return;
    }
    reader_.next();
}

// The request asked for WebSocket: a valid one gets its 101 and the connection
// goes to the WebSocket echo; any other gets 400 or 426 and a close. Controls do
// not apply: the answer is the handshake's.
void http_echo_app::upgrade_to_websocket(std::span<const core::http_header_view> views, pipeline::time_ns now) {
    const auto& q = reader_.request();
    const auto& ws = *config_->websocket;
    auto handshake = core::evaluate_websocket_upgrade(
        {.method = q.method,
         .http_major = q.version_major,
         .http_minor = q.version_minor,
         .headers = views},
        ws.settings.protocols);
    config_->observer->count_request(handshake.status, q.method);
    if (!handshake.accepted) {
        ws.observer->count_refused(handshake.failure);
        const auto body = fmt::format("websocket upgrade refused: {}\n", handshake.failure);
        std::string out;
        core::append_head(out, {.status = handshake.status,
                                .content_type = "text/plain; charset=utf-8",
                                .content_length = body.size(),
                                .close = true});
        // Before the head's blank line: the headers the handshake wants said.
        out.insert(out.size() - 2, handshake.error_headers);
        out += body;
        log_request(handshake.status, out.size());
        queued_ += out;
        close_after_ = true;
        ended_by_ = "websocket_refused";
        return;
    }
    log_request(101, handshake.response_head.size());
    queued_ += handshake.response_head;
    hand_over(std::make_unique<websocket_app>(
                  config_->websocket,
                  websocket_start{.peer = endpoint_text(origin_.client_address, origin_.client_port),
                                  .target = q.target,
                                  .subprotocol = handshake.subprotocol,
                                  .listener = listener_,
                                  .log = log_,
                                  .now = now,
                                  .send_timeout =
                                      config_->settings.request_timeout.count() * 1'000'000}),
              now);
}

void http_echo_app::refuse(int status, over_limit why, std::string_view text, pipeline::time_ns) {
    // A 405 names what is allowed (RFC 9110 15.5.6): every method the echo answers,
    // which is all but CONNECT.
    static const std::vector<core::http_header> allow{
        {"Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE"}};
    const std::string body = std::string{text} + "\n";
    std::string out;
    core::append_head(out, {.status = status,
                            .content_type = "text/plain; charset=utf-8",
                            .content_length = body.size(),
                            .close = true,
                            .extra = status == 405 ? &allow : nullptr});
    out += body;
    config_->observer->count_refusal(why);
    config_->observer->count_request(status, reader_.request().method);
    log_request(status, out.size());
    queued_ += out;
    close_after_ = true;
    ended_by_ = name_of(why);
}

void http_echo_app::log_request(int status, std::uint64_t bytes_out) {
    using state = core::http_request_reader::state;
    log_http_request(log_, {.request = reader_.request(),
                            .origin = origin_,
                            .listener = listener_,
                            .status = status,
                            .bytes_out = bytes_out,
                            .complete = reader_.current() == state::ready});
}

// The 101 says what follows: the rest of the request's bytes are HTTP/2 from the
// client's preface on, and stream 1 carries this request's answer.
void http_echo_app::upgrade_to_h2c(std::string settings, pipeline::time_ns now) {
    queued_ += "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    const h2c_upgrade upgrade{reader_.request(), std::move(settings)};
    auto context = app_context_of(origin_, listener_, wall_offset_ns_, log_);
    context.now = now;
    hand_over(std::make_unique<h2_echo_app>(config_, context, &upgrade), now);
}

// The successor gets the bytes that came after the request (the client's first
// frames or its HTTP/2 preface may share its packet) and, if it came, the end.
void http_echo_app::hand_over(std::unique_ptr<pipeline::application> successor,
                              pipeline::time_ns now) {
    request_deadline_ = 0;
    successor_ = std::move(successor);
    while (!in_.empty()) {
        successor_->on_received(in_.pop_front(), now);
    }
    if (peer_eof_) {
        successor_->on_peer_eof(now);
    }
}

std::span<const std::byte> http_echo_app::begin_send() noexcept {
    if (in_flight_ || successor_sending_) {
        return {};
    }
    if (sending_at_ == sending_.size() && !queued_.empty()) {
        sending_.clear();
        sending_at_ = 0;
        sending_.swap(queued_);
    }
    if (sending_at_ < sending_.size()) {
        in_flight_ = true;
        sending_filler_ = false;
        return {reinterpret_cast<const std::byte*>(sending_.data()) + sending_at_,
                sending_.size() - sending_at_};
    }
    if (filler_left_ > 0) {
        const auto pattern = core::filler_pattern();
        in_flight_ = true;
        sending_filler_ = true;
        return {pattern.data() + filler_at_,
                static_cast<std::size_t>(
                    std::min<std::uint64_t>(filler_left_, pattern.size() - filler_at_))};
    }
    if (successor_) {
        const auto out = successor_->begin_send();
        successor_sending_ = !out.empty();
        return out;
    }
    return {};
}

void http_echo_app::on_sent(std::size_t n, pipeline::time_ns now) noexcept {
    sent_ += n;
    if (successor_sending_) {
        successor_sending_ = false;
        successor_->on_sent(n, now);
        return;
    }
    in_flight_ = false;
    if (n > 0) {
        send_deadline_ = 0;  // the client took some: advance() starts a new wait
    }
    if (sending_filler_) {
        filler_left_ -= n;
        filler_at_ = (filler_at_ + n) % core::filler_pattern().size();
    } else {
        sending_at_ += n;
    }
    advance(now);
}

bool http_echo_app::wants_input() const noexcept {
    if (successor_) {
        return successor_->wants_input();
    }
    return !peer_eof_ && !close_after_ && delay_until_ == 0 && filler_left_ == 0 &&
           queued() < kQueuedHigh;
}

bool http_echo_app::finished() const noexcept {
    using state = core::http_request_reader::state;
    if (abandoned()) {
        return true;
    }
    if (!idle_output() || delay_until_ != 0) {
        return false;
    }
    if (successor_) {
        return !successor_sending_ && successor_->finished();
    }
    return close_after_ || (peer_eof_ && in_.empty() && reader_.current() == state::idle);
}

std::optional<pipeline::time_ns> http_echo_app::wake_at() const noexcept {
    if (successor_) {
        return successor_->wake_at();
    }
    std::optional<pipeline::time_ns> next;
    for (const auto t : {delay_until_, request_deadline_, send_deadline_}) {
        if (t != 0 && (!next || t < *next)) {
            next = t;
        }
    }
    return next;
}

}  // namespace echo::http
