// How echo-bench's messages travel over a connection: as bare bytes, as masked
// WebSocket messages (after the upgrade handshake), or as the bodies of keep-alive
// HTTP POST requests; and how the echoes come back out of the frames or responses
// to be checked. One per connection; thread affinity: its load thread's.
#pragma once

#include "core/echo_expectation.hpp"
#include "core/http_response_reader.hpp"
#include "core/ws_client_frame.hpp"
#include "core/ws_frame_reader.hpp"
#include "loadgen/bench_config.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace echo::loadgen {

// What went wrong in a framed echo; each maps to one error_counts kind.
enum class codec_fault { none, mismatch, status, protocol, early_close };

struct codec_verdict {
    codec_fault fault = codec_fault::none;
    std::string problem;
    std::size_t checked = 0;  // message bytes compared with what was sent
};

// The Sec-WebSocket-Accept a server answers the key with (RFC 6455 4.2.2).
[[nodiscard]] std::string websocket_accept(std::string_view key);

class message_codec {
public:
    // `config` is borrowed for the codec's life. A raw target's codec does nothing.
    explicit message_codec(const bench_config& config);

    [[nodiscard]] bool framed() const noexcept { return kind_ != kind::raw; }
    [[nodiscard]] bool text() const noexcept { return config_->ws_text; }

    // A new connection: forgets the last one's state; a WebSocket codec queues the
    // upgrade request, and the connection carries no message until handshake() is done.
    void start();
    [[nodiscard]] bool needs_handshake() const noexcept { return kind_ == kind::websocket; }
    enum class handshake_step { more, done, failed };
    // Reads the server's answer to the upgrade; on failed, `problem` says why.
    [[nodiscard]] handshake_step handshake(std::span<const std::byte> got, std::string& problem);

    // Frames the one message push()ed to `expect` since the last call, of `size` bytes,
    // and counts it sent there: from now on its bytes are in pending().
    void wrap(core::echo_expectation& expect, std::uint32_t size);
    // The framed bytes still to write, and how many of them were written.
    [[nodiscard]] std::span<const std::byte> pending() const noexcept {
        return std::span{out_}.subspan(out_sent_);
    }
    void on_sent(std::size_t n) noexcept;

    // Takes the frames or responses out of received bytes and checks what they carry
    // against `expect`, calling done(completion) for each message echoed.
    template <class Done>
    [[nodiscard]] codec_verdict unwrap(std::span<const std::byte> got,
                                       core::echo_expectation& expect, Done&& done);

    // WebSocket: queues a close frame with `code`; the peer's close then ends the
    // connection without an error, and peer_closed() says it came.
    void close(std::uint16_t code);
    [[nodiscard]] bool closing() const noexcept { return close_sent_; }
    [[nodiscard]] bool peer_closed() const noexcept { return peer_closed_; }

private:
    enum class kind { raw, http, websocket };

    void append(std::span<const std::byte> bytes);
    void append_frame(core::ws_opcode opcode, std::span<const std::span<const std::byte>> parts,
                      std::size_t size, std::byte keep);
    [[nodiscard]] core::ws_mask_key next_mask() noexcept;
    template <class Done>
    codec_verdict unwrap_ws(std::span<const std::byte> got, core::echo_expectation& expect,
                            Done& done);
    template <class Done>
    codec_verdict unwrap_http(std::span<const std::byte> got, core::echo_expectation& expect,
                              Done& done);
    codec_verdict on_ws_data(const core::ws_event& e, core::echo_expectation& expect);
    codec_verdict on_ws_control(const core::ws_event& e, const core::echo_expectation& expect);
    codec_verdict on_http_head(bool response_end, const core::echo_expectation& expect);

    const bench_config* config_;
    kind kind_;
    std::string request_prefix_;  // http: the request head up to the Content-Length value
    std::string expected_accept_;  // websocket: the Sec-WebSocket-Accept the key asks for
    std::vector<std::byte> out_;   // framed bytes; at most the pipeline's messages and
                                   // one pong per ping received
    std::size_t out_sent_ = 0;
    std::vector<std::byte> early_;  // websocket: bytes that came with the 101
    std::uint64_t mask_state_;
    core::ws_frame_reader frames_;
    core::http_response_reader responses_;
    bool message_started_ = false;  // websocket: the message being received carried bytes
    bool close_sent_ = false, peer_closed_ = false;
};

// Both unwrap loops hand the check to the expectation and stop at the first fault:
// the connection is closed after one, so later bytes mean nothing.
template <class Done>
codec_verdict message_codec::unwrap(std::span<const std::byte> got,
                                    core::echo_expectation& expect, Done&& done) {
    if (kind_ == kind::http) {
        return unwrap_http(got, expect, done);
    }
    std::size_t checked = 0;
    if (!early_.empty()) {
        const std::vector<std::byte> early = std::move(early_);
        early_.clear();
        auto v = unwrap_ws(early, expect, done);
        if (v.fault != codec_fault::none) {
            return v;
        }
        checked = v.checked;
    }
    auto v = unwrap_ws(got, expect, done);
    v.checked += checked;
    return v;
}

template <class Done>
codec_verdict message_codec::unwrap_ws(std::span<const std::byte> got,
                                       core::echo_expectation& expect, Done& done) {
    std::size_t checked = 0;
    while (!got.empty() && !peer_closed_) {
        const auto e = frames_.next(got);
        got = got.subspan(e.used);
        codec_verdict v;
        if (e.what == core::ws_event::kind::error) {
            return {codec_fault::protocol, "WebSocket: " + frames_.problem()};
        }
        if (e.what == core::ws_event::kind::control) {
            v = on_ws_control(e, expect);
        } else if (e.what == core::ws_event::kind::data) {
            v = on_ws_data(e, expect);
            if (v.fault == codec_fault::none) {
                const auto result = expect.on_received(e.payload, done);
                v = result.ok ? v : codec_verdict{codec_fault::mismatch, result.problem};
                checked += e.payload.size();
            }
            if (v.fault == codec_fault::none && e.message_end && expect.front_started()) {
                v = {codec_fault::mismatch, "a WebSocket message ended " +
                                                std::to_string(expect.front_left()) +
                                                " bytes before the end of the one sent"};
            }
        }
        if (v.fault != codec_fault::none) {
            return v;
        }
    }
    return {codec_fault::none, {}, checked};
}

template <class Done>
codec_verdict message_codec::unwrap_http(std::span<const std::byte> got,
                                         core::echo_expectation& expect, Done& done) {
    std::size_t checked = 0;
    while (!got.empty()) {
        const auto e = responses_.next(got);
        got = got.subspan(e.used);
        codec_verdict v;
        switch (e.what) {
        case core::http_event::kind::progress:
            continue;
        case core::http_event::kind::error:
            return {codec_fault::protocol, "HTTP: " + responses_.problem()};
        case core::http_event::kind::head:
            if (responses_.head().status < 200) {
                continue;  // interim (100 Continue): the response follows
            }
            v = on_http_head(e.response_end, expect);
            break;
        case core::http_event::kind::body:
            if (config_->http.verify_body) {
                const auto result = expect.on_received(e.payload, done);
                v = result.ok ? v : codec_verdict{codec_fault::mismatch, result.problem};
                checked += e.payload.size();
            }
            break;
        }
        if (v.fault != codec_fault::none) {
            return v;
        }
        if (e.response_end && !config_->http.verify_body) {
            expect.answer_front(done);
        }
        if (e.response_end && responses_.head().close) {
            return {codec_fault::early_close,
                    "the server ended the keep-alive connection (Connection: close) with " +
                        std::to_string(expect.in_flight()) + " requests owed"};
        }
    }
    return {codec_fault::none, {}, checked};
}

}  // namespace echo::loadgen
