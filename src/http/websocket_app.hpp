// The WebSocket echo as a connection's application: the HTTP echo makes it after
// a valid upgrade and its 101, and forwards every call to it from then on. It
// drives a core::websocket_session over the worker's chunks and sends, gives a
// closing session a deadline for the peer's close, and drops a peer that takes
// none of its echoes for the listener's request_timeout.
#pragma once

#include "core/chunk_list.hpp"
#include "core/websocket_session.hpp"
#include "core/websocket_settings.hpp"
#include "http/websocket_observer.hpp"
#include "pipeline/application.hpp"

#include <memory>
#include <string>

namespace echo::http {

// What every WebSocket session of one listener shares; read-only once made.
struct websocket_echo_config {
    core::websocket_listener_settings settings;
    std::shared_ptr<websocket_observer> observer;
};

// What the HTTP echo knew of the session's start, for its log line.
struct websocket_start {
    std::string peer;         // the client as "address:port"
    std::string target;       // the upgrade request's target, as sent
    std::string subprotocol;  // chosen, or empty
    std::string_view listener;
    pipeline::app_log* log = nullptr;
    pipeline::time_ns now = 0;
    // The HTTP listener's request_timeout: while output waits, the peer must take
    // some of it within this long of the last bytes it took.
    pipeline::time_ns send_timeout = 10'000'000'000;
};

// What one peer can hold: the session's own memory (at most
// websocket_session::max_held_bytes(settings), about two messages of
// ws_max_message plus 64 KiB of output) and the chunks the worker lets it hold
// (--max-buffer), which it stops reading at. A chunk is fed only while no send is
// in flight, as a feed may move the output the send is reading. A peer that
// sends and never reads holds all that for at most send_timeout, then is
// abandoned: closed at once, as a close handshake needs a peer that reads.
class websocket_app final : public pipeline::application {
public:
    // The peer has this long to answer the session's close before it is dropped.
    static constexpr pipeline::time_ns kClosingTimeout = 5'000'000'000;

    websocket_app(std::shared_ptr<const websocket_echo_config> config, websocket_start start);
    // The session's end is counted and logged here, whoever ended it (the peer,
    // the session, a deadline, or the worker's own limits).
    ~websocket_app() override;
    websocket_app(const websocket_app&) = delete;
    websocket_app& operator=(const websocket_app&) = delete;

    void on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept override;
    void on_peer_eof(pipeline::time_ns now) noexcept override;
    void on_timer(pipeline::time_ns now) noexcept override;
    void on_shutdown(pipeline::time_ns now) noexcept override;
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override;
    void on_sent(std::size_t n, pipeline::time_ns now) noexcept override;
    [[nodiscard]] bool wants_input() const noexcept override;
    [[nodiscard]] bool finished() const noexcept override;
    [[nodiscard]] bool abandoned() const noexcept override { return abandoned_; }
    [[nodiscard]] std::optional<pipeline::time_ns> wake_at() const noexcept override;
    [[nodiscard]] std::size_t held_chunks() const noexcept override { return in_.count(); }
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override { return received_; }
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override { return sent_; }
    [[nodiscard]] std::string_view failure() const noexcept override;

    [[nodiscard]] const core::websocket_session& session() const noexcept { return *session_; }

private:
    void advance(pipeline::time_ns now) noexcept;
    void log_end(std::string_view end);

    std::shared_ptr<const websocket_echo_config> config_;
    websocket_start start_;
    std::unique_ptr<core::websocket_session> session_;
    core::chunk_list in_;
    pipeline::time_ns last_now_ = 0;
    pipeline::time_ns closing_deadline_ = 0;
    pipeline::time_ns send_deadline_ = 0;  // output waits: the peer must take some by then
    std::uint64_t received_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t counted_messages_ = 0;
    std::uint64_t counted_bytes_ = 0;
    bool in_flight_ = false;
    bool shutdown_pending_ = false;  // close 1001 once the send in flight is done
    bool peer_eof_ = false;
    bool timed_out_ = false;
    bool abandoned_ = false;
};

}  // namespace echo::http
