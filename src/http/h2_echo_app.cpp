// nghttp2 does the framing, HPACK, flow control and its flood guards; this file
// turns each stream's headers and DATA into the same http_request the HTTP/1.x
// reader makes, answers it with the same echo, and feeds the answer back through
// a data provider. nghttp2 never sees a socket: mem_recv takes the client's
// bytes, mem_send hands over frames, which are copied into out_ and sent from
// there, because mem_send's pointer dies at its next call.
#include "http/h2_echo_app.hpp"

#include "core/http_body_keeper.hpp"
#include "core/whole_number.hpp"
#include "http/echo_origin_of.hpp"
#include "http/request_log.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace echo::http {

struct h2_echo_app::stream {
    core::http_request request;
    std::string method;  // request.method views it
    core::http_body_keeper body_keeper;
    std::size_t head_bytes = 0;
    std::size_t header_count = 0;
    // The request must be whole by then; 0 once it is, and while the stream
    // waits for a window to send its body in (its wait is the server's doing).
    pipeline::time_ns deadline = 0;
    bool head_done = false;
    bool complete = false;  // the client ended its side
    bool answered = false;
    bool waiting = false;   // complete, its answer waits for room (see the header)
    bool lead = false;      // one of the kLeads streams whose body may come in
    bool sending = false;   // its answer was submitted and has not all gone out
    std::size_t owed = 0;   // body bytes taken in, not yet given back to its window
    // The answer, once made.
    int status = 200;
    std::string_view content_type;
    std::vector<core::http_header> set_headers;
    std::string body;
    std::size_t body_at = 0;
    std::uint64_t filler_left = 0;
    std::size_t filler_at = 0;
    bool with_body = true;
    pipeline::time_ns due = 0;  // a delayed answer is submitted then; 0: not waiting
    std::size_t held = 0;       // this stream's part of held_
    std::size_t held_answer = 0;  // and of answers_held_
    // The request's log line waits for the answer's last frame, so that it
    // counts the bytes the answer took on the wire (frame headers, HPACK).
    std::uint64_t wire_out = 0;
    bool log_owed = false;
    bool arrived_whole = true;  // for the log line: false when refused midway
};

namespace {

constexpr std::size_t kFrameHeader = 9;  // RFC 9113 4.1

std::string_view view(const std::uint8_t* p, std::size_t n) {
    return {reinterpret_cast<const char*>(p), n};
}

// HTTP/2 forbids the connection-specific fields (RFC 9113 8.2.2); a client's
// X-Echo-Set-Header asking for one is left out rather than break the stream.
bool connection_specific(std::string_view lower_name) {
    for (const auto* n : {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                          "upgrade", "te"}) {
        if (lower_name == n) {
            return true;
        }
    }
    return false;
}

nghttp2_nv field(std::string_view name, std::string_view value) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
            value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

// nghttp2's callbacks, as the app's friend: each finds its stream by id and hands
// over to the app. They return 0, or NGHTTP2_ERR_CALLBACK_FAILURE when memory ran
// out, which ends the session.
struct h2_callbacks {
    static h2_echo_app& app(void* user_data) { return *static_cast<h2_echo_app*>(user_data); }

    static h2_echo_app::stream* find(h2_echo_app& a, std::int32_t id) {
        const auto it = a.streams_.find(id);
        return it == a.streams_.end() ? nullptr : &it->second;
    }

    static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame,
                                void* user_data) {
        auto& a = app(user_data);
        if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
            return 0;
        }
        try {
            auto& s = a.streams_[frame->hd.stream_id];
            s.request.started_ns = a.now_;
            s.request.version_major = 2;
            s.request.version_minor = 0;
            s.deadline = a.now_ + a.config_->settings.request_timeout.count() * 1'000'000;
            a.idle_since_.reset();
        } catch (const std::bad_alloc&) {
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        return 0;
    }

    // Every field in arrival order, pseudo-headers too (they are what arrived);
    // counted always, stored only within max_head and max_headers, refused at the
    // end of the head.
    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                         std::uint8_t, void* user_data) {
        auto& a = app(user_data);
        auto* s = find(a, frame->hd.stream_id);
        if (s == nullptr || s->answered) {
            return 0;
        }
        const auto& limits = a.config_->settings.limits;
        s->head_bytes += namelen + valuelen;
        ++s->header_count;
        if (s->head_bytes > limits.max_head || s->header_count > limits.max_headers) {
            return 0;
        }
        try {
            const auto n = view(name, namelen);
            const auto v = view(value, valuelen);
            if (n == ":method") {
                s->method = v;
            } else if (n == ":path") {
                s->request.target = v;
            }
            s->request.headers.push_back({std::string{n}, std::string{v}});
        } catch (const std::bad_alloc&) {
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        return 0;
    }

    static int on_data_chunk_recv(nghttp2_session* session, std::uint8_t, std::int32_t id,
                                  const std::uint8_t* data, std::size_t len, void* user_data) {
        auto& a = app(user_data);
        a.owed_connection_ += len;
        auto* s = find(a, id);
        if (s == nullptr || s->answered) {
            // A refused body streams by, held nowhere: the stream's window goes
            // back now, the connection's with the rest of owed_connection_.
            return nghttp2_session_consume_stream(session, id, len) == NGHTTP2_ERR_NOMEM
                       ? NGHTTP2_ERR_CALLBACK_FAILURE
                       : 0;
        }
        s->owed += len;
        try {
            if (!s->body_keeper.add(s->request, view(data, len), a.config_->settings.limits)) {
                a.refuse(id, *s, 413, over_limit::body_too_large, "body_too_large");
                return 0;
            }
        } catch (const std::bad_alloc&) {
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        a.recount(*s);
        return 0;
    }

    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
        auto& a = app(user_data);
        if (frame->hd.type == NGHTTP2_SETTINGS && (frame->hd.flags & NGHTTP2_FLAG_ACK) != 0) {
            a.settings_acked_ = true;
        }
        if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) {
            return 0;
        }
        const auto id = frame->hd.stream_id;
        auto* s = find(a, id);
        if (s == nullptr) {
            return 0;
        }
        try {
            if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
                a.end_of_head(id, *s);
            }
            if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
                s->complete = true;
                s->deadline = 0;
                if (!s->answered) {
                    s->body_keeper.finish(s->request);
                    s->request.done_ns = a.now_;
                    if (a.answer_fits()) {
                        a.answer(id, *s);
                    } else {
                        s->waiting = true;
                    }
                }
            }
        } catch (const std::bad_alloc&) {
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        return 0;
    }

    // The answer ended before the request did (a refusal, a 408): the client is
    // told to stop sending (RFC 9113 8.1: RST_STREAM with NO_ERROR). A GOAWAY the
    // app did not ask for is nghttp2 ending the session (a protocol error, a
    // flood, rapid resets): its code names the end in the connection's log line.
    static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame,
                             void* user_data) {
        auto& a = app(user_data);
        if (frame->hd.type == NGHTTP2_GOAWAY && a.ended_by_.empty()) {
            a.ended_by_ = nghttp2_http2_strerror(frame->goaway.error_code);
        }
        if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) {
            return 0;
        }
        auto* s = find(a, frame->hd.stream_id);
        if (s == nullptr) {
            return 0;
        }
        s->wire_out += kFrameHeader + frame->hd.length;
        a.send_deadline_ = 0;  // an answer moved: after_event() starts a new wait
        if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) {
            return 0;
        }
        a.answer_sent(*s);
        a.log_answer(*s);
        if (!s->complete) {
            nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                      NGHTTP2_NO_ERROR);
        }
        return 0;
    }

    static int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t, void* user_data) {
        auto& a = app(user_data);
        const auto it = a.streams_.find(id);
        if (it != a.streams_.end()) {
            a.held_ -= it->second.held;
            a.answers_held_ -= it->second.held_answer;
            a.answer_sent(it->second);
            a.log_answer(it->second);  // reset before its end went out: what did
            a.streams_.erase(it);
        }
        if (a.streams_.empty()) {
            a.idle_since_ = a.now_;
        }
        return 0;
    }

    // The answer's body, then its ?size= filler from the static pattern.
    static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                             std::uint32_t* data_flags, nghttp2_data_source* source,
                             void* user_data) {
        auto& s = *static_cast<h2_echo_app::stream*>(source->ptr);
        std::size_t n = std::min(length, s.body.size() - s.body_at);
        std::memcpy(buf, s.body.data() + s.body_at, n);
        s.body_at += n;
        const auto pattern = core::filler_pattern();
        while (n < length && s.filler_left > 0) {
            const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(
                {length - n, s.filler_left, pattern.size() - s.filler_at}));
            std::memcpy(buf + n, pattern.data() + s.filler_at, k);
            n += k;
            s.filler_left -= k;
            s.filler_at = (s.filler_at + k) % pattern.size();
        }
        if (s.body_at == s.body.size() && s.filler_left == 0) {
            *data_flags |= NGHTTP2_DATA_FLAG_EOF;
            std::string{}.swap(s.body);
            s.body_at = 0;
        }
        app(user_data).recount(s);
        return static_cast<ssize_t>(n);
    }

    static const nghttp2_session_callbacks* callbacks() {
        static const auto made = [] {
            nghttp2_session_callbacks* cb = nullptr;
            if (nghttp2_session_callbacks_new(&cb) != 0) {
                throw std::bad_alloc{};
            }
            nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
            nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
            nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk_recv);
            nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
            nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
            nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
            return std::unique_ptr<nghttp2_session_callbacks, void (*)(nghttp2_session_callbacks*)>(
                cb, nghttp2_session_callbacks_del);
        }();
        return made.get();
    }
};

namespace {

nghttp2_session* new_session(void* app) {
    nghttp2_option* option = nullptr;
    if (nghttp2_option_new(&option) != 0) {
        throw std::bad_alloc{};
    }
    // The rapid-reset guard with its bounds written out (nghttp2's defaults):
    // 1000 RST_STREAM at once, 33 a second after that, then GOAWAY.
    nghttp2_option_set_stream_reset_rate_limit(option, 1000, 33);
    // Window is given back as the app makes room (settle()), not as bytes arrive.
    nghttp2_option_set_no_auto_window_update(option, 1);
    // No priority tree of closed streams to keep: it only costs memory here.
    nghttp2_option_set_no_closed_streams(option, 1);
    nghttp2_session* session = nullptr;
    const int rv = nghttp2_session_server_new2(&session, h2_callbacks::callbacks(), app, option);
    nghttp2_option_del(option);
    if (rv != 0) {
        throw std::bad_alloc{};
    }
    return session;
}

}  // namespace

h2_echo_app::h2_echo_app(std::shared_ptr<const http_echo_config> config,
                         const pipeline::app_context& context, const h2c_upgrade* upgrade)
    : config_(std::move(config)),
      origin_(echo_origin_of(context)),
      listener_(context.listener),
      wall_offset_ns_(context.wall_offset_ns),
      log_(context.log),
      session_(new_session(this), nghttp2_session_del),
      now_(context.now),
      idle_since_(context.now) {
    const auto& limits = config_->settings.limits;
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxStreams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindow},
        // What max_head and max_headers allow, with RFC 9113's 32 bytes per field.
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
         static_cast<std::uint32_t>(limits.max_head + 32 * limits.max_headers)}};
    if (nghttp2_submit_settings(session_.get(), NGHTTP2_FLAG_NONE, settings, std::size(settings)) !=
        0) {
        throw std::bad_alloc{};
    }
    if (upgrade != nullptr) {
        const bool head = upgrade->request.method == "HEAD";
        const auto* payload = reinterpret_cast<const std::uint8_t*>(upgrade->settings.data());
        if (nghttp2_session_upgrade2(session_.get(), payload, upgrade->settings.size(),
                                     head ? 1 : 0, nullptr) != 0) {
            fail("bad_http2_settings");
        } else {
            auto& s = streams_[1];
            s.request = upgrade->request;
            s.method = upgrade->request.method;
            s.complete = true;
            idle_since_.reset();
            answer(1, s);
        }
    }
    after_event(context.now);
}

// Answers cut short by the connection's end still get their line.
h2_echo_app::~h2_echo_app() {
    for (auto& [id, s] : streams_) {
        log_answer(s);
    }
}

void h2_echo_app::on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept {
    if (!bytes || bytes->size() == 0) {
        return;
    }
    received_ += bytes->size();
    if (fatal_) {
        return;  // dropped: nothing more is read
    }
    in_.push_back(std::move(bytes));
    after_event(now);
}

void h2_echo_app::on_peer_eof(pipeline::time_ns now) noexcept {
    peer_eof_ = true;
    after_event(now);
}

void h2_echo_app::on_timer(pipeline::time_ns now) noexcept {
    now_ = now;
    if (send_deadline_ != 0 && now >= send_deadline_) {
        abandoned_ = true;
        fail("send_timeout");
        return;
    }
    try {
        for (auto& [id, s] : streams_) {
            if (s.due != 0 && now >= s.due) {
                s.due = 0;
                submit(id, s);
            }
            if (s.deadline != 0 && now >= s.deadline && !s.answered) {
                s.deadline = 0;
                refuse(id, s, 408, over_limit::request_timeout,
                       "request not complete within request_timeout");
            }
        }
    } catch (const std::bad_alloc&) {
        fail("out_of_memory");
    }
    if (streams_.empty() && idle_since_ &&
        now >= *idle_since_ + config_->settings.request_timeout.count() * 1'000'000) {
        end_gracefully("keepalive_timeout");
    }
    after_event(now);
}

void h2_echo_app::on_shutdown(pipeline::time_ns now) noexcept {
    end_gracefully("shutdown");
    after_event(now);
}

std::span<const std::byte> h2_echo_app::begin_send() noexcept {
    if (in_flight_) {
        return {};
    }
    pull_output();
    if (pending_out() == 0) {
        return {};
    }
    in_flight_ = true;
    return {reinterpret_cast<const std::byte*>(out_.data()) + out_at_, pending_out()};
}

void h2_echo_app::on_sent(std::size_t n, pipeline::time_ns now) noexcept {
    in_flight_ = false;
    out_at_ += n;
    sent_ += n;
    after_event(now);
}

bool h2_echo_app::wants_input() const noexcept {
    return !fatal_ && !abandoned_ && !peer_eof_ && in_.empty() && pending_out() < kOutHigh &&
           nghttp2_session_want_read(session_.get()) != 0;
}

bool h2_echo_app::finished() const noexcept {
    if (abandoned_) {
        return true;
    }
    if (in_flight_ || pending_out() != 0) {
        return false;
    }
    if (fatal_) {
        return true;
    }
    const bool more_to_write = nghttp2_session_want_write(session_.get()) != 0;
    return (peer_eof_ && !more_to_write) ||
           (nghttp2_session_want_read(session_.get()) == 0 && !more_to_write);
}

// Input is read only while the output before it is drained below kOutHigh, so
// the answers a client does not take stop its reading, not grow a queue.
void h2_echo_app::after_event(pipeline::time_ns now) noexcept {
    now_ = now;
    read_input();
    pull_output();
    if (!in_flight_ && pending_out() == 0 && unsent_answers_ == 0) {
        send_deadline_ = 0;
    } else if (send_deadline_ == 0) {
        send_deadline_ = now + config_->settings.request_timeout.count() * 1'000'000;
    }
}

std::optional<pipeline::time_ns> h2_echo_app::wake_at() const noexcept {
    std::optional<pipeline::time_ns> next;
    const auto consider = [&next](pipeline::time_ns t) {
        if (t != 0 && (!next || t < *next)) {
            next = t;
        }
    };
    for (const auto& [id, s] : streams_) {
        consider(s.due);
        consider(s.deadline);
    }
    if (!abandoned_) {
        consider(send_deadline_);
    }
    if (streams_.empty() && idle_since_ && !fatal_ && ended_by_.empty()) {
        consider(*idle_since_ + config_->settings.request_timeout.count() * 1'000'000);
    }
    return next;
}

void h2_echo_app::read_input() noexcept {
    while (!fatal_ && !in_.empty() && pending_out() < kOutHigh) {
        auto* front = in_.front();
        const auto bytes = front->payload();
        const auto used = nghttp2_session_mem_recv(
            session_.get(), reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        if (used < 0) {
            fail(nghttp2_strerror(static_cast<int>(used)));
            return;
        }
        in_.consume_front(static_cast<std::size_t>(used));
        if (front->size() == 0) {
            (void)in_.pop_front();
        }
        pull_output();
    }
}

void h2_echo_app::pull_output() noexcept {
    if (fatal_ || in_flight_) {
        return;
    }
    try {
        if (out_at_ > 0) {
            out_.erase(0, out_at_);
            out_at_ = 0;
        }
        while (pending_out() < kOutHigh) {
            settle();
            const std::uint8_t* frames = nullptr;
            const auto n = nghttp2_session_mem_send(session_.get(), &frames);
            if (n < 0) {
                fail(nghttp2_strerror(static_cast<int>(n)));
                return;
            }
            if (n == 0) {
                return;
            }
            out_.append(reinterpret_cast<const char*>(frames), static_cast<std::size_t>(n));
        }
    } catch (const std::bad_alloc&) {
        fail("out_of_memory");
    }
}

// Room for more: answers held below kHeldHigh, or none held at all (then only
// kept bodies are, and holding back would wait on nothing: a deadlock).
bool h2_echo_app::answer_fits() const noexcept {
    return held_ < kHeldHigh || answers_held_ == 0;
}

// Makes the answers that waited and gives window back, as far as the bounds in
// the header allow. The connection's window is the hard bound: it opens past
// kHeldHigh only when what is held is bodies still coming in, which no answer
// can free, and only once the client acknowledged kStreamWindow (before that
// its streams may each send 64 KiB). At most kMaxStreams streams to look at.
void h2_echo_app::settle() {
    auto* session = session_.get();
    std::size_t leads = 0;
    bool waiting = false;
    for (auto& [id, s] : streams_) {
        if (s.waiting && answer_fits()) {
            s.waiting = false;
            answer(id, s);
        }
        waiting = waiting || s.waiting;
        if (!s.head_done || s.complete || s.answered) {
            continue;
        }
        if (!s.lead && leads < kLeads) {
            s.lead = true;
            s.deadline = now_ + config_->settings.request_timeout.count() * 1'000'000;
            if (nghttp2_session_set_local_window_size(session, NGHTTP2_FLAG_NONE, id,
                                                      kLeadWindow) != 0) {
                throw std::bad_alloc{};
            }
        }
        if (!s.lead) {
            s.deadline = 0;
            continue;
        }
        ++leads;
        if (s.owed > 0) {
            if (nghttp2_session_consume_stream(session, id, s.owed) != 0) {
                throw std::bad_alloc{};
            }
            s.owed = 0;
        }
    }
    const bool only_bodies = settings_acked_ && answers_held_ == 0 && !waiting;
    if (owed_connection_ > 0 && (held_ < kHeldHigh || only_bodies)) {
        if (nghttp2_session_consume_connection(session, owed_connection_) != 0) {
            throw std::bad_alloc{};
        }
        owed_connection_ = 0;
    }
}

// The head ended: over a limit it is refused now (431), as is a Content-Length
// beyond max_body (413) before its body is sent.
void h2_echo_app::end_of_head(std::int32_t id, stream& s) {
    auto& q = s.request;
    q.head_ns = now_;
    q.method = s.method;
    s.head_done = true;
    const auto& limits = config_->settings.limits;
    if (s.head_bytes > limits.max_head) {
        refuse(id, s, 431, over_limit::head_too_large, "head_too_large");
    } else if (s.header_count > limits.max_headers) {
        refuse(id, s, 431, over_limit::too_many_headers, "too_many_headers");
    } else if (const auto* length = q.find("content-length"); length != nullptr) {
        const auto n = core::whole_number<std::uint64_t>(length->value);
        if (n && *n > limits.max_body) {
            refuse(id, s, 413, over_limit::body_too_large, "body_too_large");
        }
    }
}

void h2_echo_app::answer(std::int32_t id, stream& s) {
    auto& q = s.request;
    const auto& settings = config_->settings;
    q.method = s.method;
    const auto question = q.target.find('?');
    const std::string_view target = q.target;
    q.path = target.substr(0, question);
    q.query = question == std::string::npos ? std::string_view{} : target.substr(question + 1);
    s.answered = true;
    ++answered_;
    auto controls = core::read_controls(q, settings);
    auto [status, content_type, body, filler] =
        core::answer_of({q, origin_, config_->server, listener_, wall_offset_ns_}, controls);
    if (!controls.error.empty()) {
        config_->observer->count_refusal(over_limit::bad_control);
    }
    s.status = status;
    s.content_type = content_type;
    s.set_headers = std::move(controls.set_headers);
    s.with_body = core::has_body(status, q.method);
    if (s.with_body) {
        s.body = std::move(body);
        s.filler_left = filler;
    }
    config_->observer->count_request(status, q.method);
    s.log_owed = true;
    forget_request(s);
    if (controls.delay.count() > 0) {
        s.due = now_ + controls.delay.count() * 1'000'000;
    } else {
        submit(id, s);
    }
    if (controls.close) {
        end_gracefully("connection_close");
    } else if (settings.max_requests != 0 && answered_ >= settings.max_requests) {
        end_gracefully("max_requests");
    }
}

void h2_echo_app::refuse(std::int32_t id, stream& s, int status, over_limit why,
                         std::string_view text) {
    s.answered = true;
    s.deadline = 0;  // what still arrives on it is dropped, however long it takes
    s.status = status;
    s.content_type = "text/plain; charset=utf-8";
    s.body = std::string{text} + "\n";
    s.with_body = true;
    config_->observer->count_refusal(why);
    config_->observer->count_request(status, s.request.method);
    s.log_owed = true;
    s.arrived_whole = false;
    forget_request(s);
    submit(id, s);
}

void h2_echo_app::log_answer(stream& s) noexcept {
    if (!s.log_owed) {
        return;
    }
    s.log_owed = false;
    try {
        log_http_request(log_, {.request = s.request,
                                .origin = origin_,
                                .listener = listener_,
                                .status = s.status,
                                .bytes_out = s.wire_out,
                                .complete = s.arrived_whole});
    } catch (const std::bad_alloc&) {
        // The line is lost; the counters still tell.
    }
}

// Once answered, only the target stays (the log and the echo are done with the rest).
void h2_echo_app::forget_request(stream& s) noexcept {
    std::vector<core::http_header>{}.swap(s.request.headers);
    std::string{}.swap(s.request.body);
    recount(s);
}

void h2_echo_app::recount(stream& s) noexcept {
    const std::size_t answer = s.body.size() - s.body_at;
    const std::size_t now_held = s.request.body.size() + answer;
    held_ = held_ - s.held + now_held;
    s.held = now_held;
    answers_held_ = answers_held_ - s.held_answer + answer;
    s.held_answer = answer;
}

void h2_echo_app::submit(std::int32_t id, stream& s) {
    const auto status = std::to_string(s.status);
    const auto length = std::to_string(s.body.size() + s.filler_left);
    std::vector<nghttp2_nv> fields;
    fields.reserve(3 + s.set_headers.size());
    fields.push_back(field(":status", status));
    if (s.status != 204 && s.status != 304) {
        fields.push_back(field("content-type", s.content_type));
        fields.push_back(field("content-length", length));
    }
    for (auto& h : s.set_headers) {
        std::transform(h.name.begin(), h.name.end(), h.name.begin(),
                       [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
        if (!connection_specific(h.name)) {
            fields.push_back(field(h.name, h.value));
        }
    }
    nghttp2_data_provider body{};
    body.source.ptr = &s;
    body.read_callback = h2_callbacks::read_body;
    const bool any_body = s.with_body && (!s.body.empty() || s.filler_left > 0);
    // nghttp2 copies the fields; the body is read from the stream as frames go out.
    if (nghttp2_submit_response(session_.get(), id, fields.data(), fields.size(),
                                any_body ? &body : nullptr) != 0) {
        nghttp2_submit_rst_stream(session_.get(), NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
        return;
    }
    s.sending = true;
    ++unsent_answers_;
}

void h2_echo_app::answer_sent(stream& s) noexcept {
    if (s.sending) {
        s.sending = false;
        --unsent_answers_;
    }
}

// GOAWAY naming the last stream taken: those finish, then the session wants
// neither to read nor to write, and the connection closes.
void h2_echo_app::end_gracefully(std::string_view why) noexcept {
    if (!ended_by_.empty()) {
        return;
    }
    ended_by_ = why;
    nghttp2_submit_goaway(session_.get(), NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(session_.get()),
                          NGHTTP2_NO_ERROR, nullptr, 0);
}

void h2_echo_app::fail(std::string_view why) noexcept {
    fatal_ = true;
    if (ended_by_.empty()) {
        ended_by_ = why;
    }
    while (!in_.empty()) {
        (void)in_.pop_front();
    }
}

}  // namespace echo::http
