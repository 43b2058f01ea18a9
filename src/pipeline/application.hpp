// What a connection's bytes serve once they are past the stages (raw echo, HTTP,
// later WebSocket): a sans-I/O state machine the worker drives, bytes in as chunks
// and a span out, with its own wake-up time instead of its own timers.
#pragma once

#include "core/chunk.hpp"
#include "pipeline/chain_observer.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace echo::core {
class chunk_pool;
class echo_stream;
struct log_event;
}  // namespace echo::core

namespace echo::pipeline {

// Times are steady-clock nanoseconds, as the worker's timers count them.
using time_ns = std::int64_t;

// Where applications write their own log lines (one per HTTP request, say). Shared
// by every connection of a loop; called on that loop's thread only.
class app_log {
public:
    virtual ~app_log() = default;
    [[nodiscard]] virtual bool wants_info() const noexcept = 0;
    // A structured sink reads only the event; `text` may then be left empty.
    [[nodiscard]] virtual bool structured() const noexcept = 0;
    virtual void info(const core::log_event& event, std::string_view text) = 0;
};

// Who and what is at the other end, known once the stages are open: the client a
// PROXY header named (else the socket's peer), the socket's peer beside it, and
// what the stages' observers told the application (the TLS facts: sni, alpn,
// tls_version, cipher, client_cert, client_verify), unescaped: whoever writes
// them out escapes them for where they go.
struct app_context {
    std::string client_address;  // no port; empty for a Unix peer
    std::uint16_t client_port = 0;
    std::string peer_address;
    std::uint16_t peer_port = 0;
    bool tls = false;
    log_fields stage_facts;
    std::string_view listener;  // the announced URL; outlives the connection
    time_ns now = 0;
    std::int64_t wall_offset_ns = 0;  // wall clock = steady + this, read once per connection
    app_log* log = nullptr;           // never null when the worker makes an application
    // Filled for every application, wants_context() or not: the loop's pool, for an
    // application that keeps copies of bytes, and the worker's bound on held chunks.
    core::chunk_pool* chunks = nullptr;
    std::size_t max_chunks = 0;
};

// Ownership: the application owns the chunks it was given until it has used them
// (held_chunks() counts them against --max-buffer); the span from begin_send()
// stays valid until on_sent(). All calls on the connection's loop thread. Sends
// never overlap: begin_send() returns empty while one is in flight.
class application {
public:
    virtual ~application() = default;

    // Bytes from the client, in order.
    virtual void on_received(core::chunk_ptr bytes, time_ns now) noexcept = 0;
    // The client will send no more.
    virtual void on_peer_eof(time_ns now) noexcept = 0;
    // The wake-up time asked for through wake_at() has come.
    virtual void on_timer(time_ns now) noexcept = 0;
    // The server is draining: a protocol with a way to say goodbye says it now
    // (WebSocket's close 1001); the others go on until they end or the drain
    // times out.
    virtual void on_shutdown(time_ns /*now*/) noexcept {}

    [[nodiscard]] virtual std::span<const std::byte> begin_send() noexcept = 0;
    virtual void on_sent(std::size_t n, time_ns now) noexcept = 0;

    // Whether more input is welcome now (before the worker's own bound). False
    // while a response waits on a timer, so pipelined requests wait in the socket.
    [[nodiscard]] virtual bool wants_input() const noexcept = 0;
    // Everything to be said was sent and the connection should close: the peer
    // ended, or the application decided to (Connection: close, HTTP/1.0, a limit).
    [[nodiscard]] virtual bool finished() const noexcept = 0;
    // Everything it will say has been sent, though it is not finished(): it reads
    // on (the client's last bytes, its EOF) before it closes. The worker then ends
    // the sending side, so the client reads EOF and the close that follows finds no
    // unread bytes to answer with a reset. Connections with stages (TLS, PROXY)
    // close here as if finished(), since a TLS close_notify must come before the FIN.
    [[nodiscard]] virtual bool said_all() const noexcept { return false; }
    // Finished without saying everything: the peer took nothing of it for too
    // long (it sends requests and never reads the answers), so the connection
    // closes at once, bytes still queued below the application (TLS) and all.
    [[nodiscard]] virtual bool abandoned() const noexcept { return false; }
    // When on_timer() should run; none: no timer. Read after each call above.
    [[nodiscard]] virtual std::optional<time_ns> wake_at() const noexcept = 0;

    [[nodiscard]] virtual std::size_t held_chunks() const noexcept = 0;
    // Counted for --max-connection-bytes and the connection's log line.
    [[nodiscard]] virtual std::uint64_t bytes_received() const noexcept = 0;
    [[nodiscard]] virtual std::uint64_t bytes_sent() const noexcept = 0;
    // Read once finished(): end with a reset (RST) rather than a FIN (a fault).
    [[nodiscard]] virtual bool resets() const noexcept { return false; }
    // Why the application ended the connection, for the log; empty when it did not.
    [[nodiscard]] virtual std::string_view failure() const noexcept { return {}; }

    // The raw echo lends its stream, so a connection whose stages became
    // transparent goes on as raw echo, with no virtual call per read.
    [[nodiscard]] virtual core::echo_stream* raw_echo() noexcept { return nullptr; }
};

// Makes one listener's application for each connection. Shared by every loop:
// make() is thread-safe. An application that hands its connection over (HTTP to
// WebSocket after a 101) makes the successor itself from a factory it was given,
// and forwards to it; the worker sees one application throughout.
class application_factory {
public:
    virtual ~application_factory() = default;
    // Null when it cannot be made now (out of memory): that connection closes.
    [[nodiscard]] virtual std::unique_ptr<application> make(const app_context& context) const
        noexcept = 0;
    // Whether make() wants the context filled (addresses as text, stage facts):
    // the raw echo does not, and is spared the allocations.
    [[nodiscard]] virtual bool wants_context() const noexcept { return true; }
};

}  // namespace echo::pipeline
