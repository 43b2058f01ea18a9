// The HTTP/1.x request echo as a connection's application: requests are read one
// at a time, each answered in order with what arrived (or as its controls ask),
// a delayed answer waits on the worker's timer while reading stops.
#pragma once

#include "core/chunk_list.hpp"
#include "core/http_echo_reply.hpp"
#include "core/http_request_reader.hpp"
#include "core/http_settings.hpp"
#include "core/websocket_handshake.hpp"
#include "http/http_observer.hpp"
#include "http/websocket_app.hpp"
#include "pipeline/application.hpp"

#include <memory>
#include <string>

namespace echo::http {

// What every connection of one listener shares; read-only once made.
struct http_echo_config {
    core::http_settings settings;
    core::echo_server_facts server;
    std::shared_ptr<http_observer> observer;
    // Where an Upgrade: websocket request hands the connection over; null: such
    // a request is echoed like any other.
    std::shared_ptr<const websocket_echo_config> websocket;
};

// What one peer can hold: the reader's bounds (max_head, max_headers,
// body_limit), the chunks the worker lets it hold (--max-buffer), answers queued
// up to kQueuedHigh plus the one being made (its size follows from the same
// bounds; ?size= bodies are streamed from a static pattern, not held), and one
// delayed answer. Reading stops while the queue is above kQueuedHigh, and a
// client that takes none of its answers for request_timeout is closed on.
//
// After a valid Upgrade: websocket request, or an Upgrade: h2c one on cleartext,
// the connection is the WebSocket echo's or the HTTP/2 echo's: this application
// sends what it still has queued (the 101 last), then forwards every call to its
// successor, which got the bytes that followed the request. The worker sees one
// application throughout, and the byte counts are taken here, once.
class http_echo_app final : public pipeline::application {
public:
    http_echo_app(std::shared_ptr<const http_echo_config> config,
                  const pipeline::app_context& context);

    void on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept override;
    void on_peer_eof(pipeline::time_ns now) noexcept override;
    void on_timer(pipeline::time_ns now) noexcept override;
    void on_shutdown(pipeline::time_ns now) noexcept override;
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override;
    void on_sent(std::size_t n, pipeline::time_ns now) noexcept override;
    [[nodiscard]] bool wants_input() const noexcept override;
    [[nodiscard]] bool finished() const noexcept override;
    [[nodiscard]] bool abandoned() const noexcept override {
        return abandoned_ || (successor_ && successor_->abandoned());
    }
    [[nodiscard]] std::optional<pipeline::time_ns> wake_at() const noexcept override;
    [[nodiscard]] std::size_t held_chunks() const noexcept override {
        return in_.count() + (successor_ ? successor_->held_chunks() : 0);
    }
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override { return received_; }
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override { return sent_; }
    [[nodiscard]] std::string_view failure() const noexcept override {
        return successor_ ? successor_->failure() : ended_by_;
    }

    static constexpr std::size_t kQueuedHigh = 64 * 1024;

private:
    void advance(pipeline::time_ns now) noexcept;
    void answer(pipeline::time_ns now);
    void upgrade_to_websocket(std::span<const core::http_header_view> views, pipeline::time_ns now);
    void upgrade_to_h2c(std::string settings, pipeline::time_ns now);
    void refuse(int status, over_limit why, std::string_view text, pipeline::time_ns now);
    void log_request(int status, std::uint64_t bytes_out);
    // After a 101 (WebSocket or h2c) the connection belongs to `successor`.
    void hand_over(std::unique_ptr<pipeline::application> successor, pipeline::time_ns now);
    [[nodiscard]] std::size_t queued() const noexcept {
        return queued_.size() + sending_.size() - sending_at_;
    }
    [[nodiscard]] bool idle_output() const noexcept {
        return queued() == 0 && filler_left_ == 0 && !in_flight_;
    }

    std::shared_ptr<const http_echo_config> config_;
    core::echo_origin origin_;
    std::string_view listener_;
    std::int64_t wall_offset_ns_;
    pipeline::app_log* log_;
    core::http_request_reader reader_;
    core::chunk_list in_;
    std::string queued_;    // answers made, not yet being sent
    std::string sending_;   // being sent from sending_at_
    std::size_t sending_at_ = 0;
    std::uint64_t filler_left_ = 0;  // ?size= bytes still to send after queued bytes
    std::size_t filler_at_ = 0;      // where in the pattern the next filler byte is
    std::string delayed_;   // an answer waiting for delay_until_
    std::uint64_t delayed_filler_ = 0;
    pipeline::time_ns delay_until_ = 0;
    pipeline::time_ns request_deadline_ = 0;
    // While answers wait to be sent, the client must take some within
    // request_timeout of the last it took, else the connection is abandoned.
    pipeline::time_ns send_deadline_ = 0;
    std::uint64_t received_ = 0;
    std::uint64_t sent_ = 0;
    std::uint32_t answered_ = 0;
    std::string_view ended_by_;  // set once the app decided to close
    std::unique_ptr<pipeline::application> successor_;  // WebSocket or HTTP/2, after a 101
    bool successor_sending_ = false;                     // the send in flight is successor_'s
    bool in_flight_ = false;
    bool sending_filler_ = false;
    bool close_after_ = false;   // close once everything queued has gone
    bool peer_eof_ = false;
    bool abandoned_ = false;
};

}  // namespace echo::http
