// The seam between the echo logic and the kernel: operations (accept, receive,
// send, close) that complete later, so readiness engines (epoll) and completion
// engines (io_uring) both fit without one pretending to be the other. The engine
// owns every connection's I/O state; its caller holds only a token.
#pragma once

#include "core/chunk.hpp"
#include "io/engine_counters.hpp"

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace echo::io {

// Names a connection in both directions. Opaque to the engine except that its low
// 32 bits are a dense index the engine may use to keep per-connection state in an
// array, and its top bit is always clear (free for the engine's own tokens).
using conn_token = std::uint64_t;

[[nodiscard]] constexpr std::uint32_t token_index(conn_token t) noexcept {
    return static_cast<std::uint32_t>(t);
}

// One received datagram, lent to the handler for the length of on_datagrams().
struct datagram {
    const sockaddr* peer;
    socklen_t peer_len;
    std::span<std::byte> data;  // the handler may change what it echoes (a fault's bit flip)
    // The control messages it came with (which local address it was sent to), for a
    // handler that keeps it to send later; empty when the kernel truncated them.
    std::span<const std::byte> control;
    // Set by a handler that answers with other bytes (a service's reply), which stay
    // valid until on_datagrams_sent; unset: `data` goes back.
    std::optional<std::span<const std::byte>> reply{};
    bool echo = false;   // set by the handler: send `data` (or `reply`) back to `peer`
    bool twice = false;  // set by the handler with echo: send it two times
};

// A datagram the handler sends on its own time (one its faults held back): to
// `peer`, from the local address `control` (as a datagram's) names. Borrowed for
// the length of the call.
struct outgoing_datagram {
    const sockaddr* peer;
    socklen_t peer_len;
    std::span<const std::byte> control;
    std::span<const std::byte> data;
};

struct datagram_send_result {
    std::size_t sent = 0;
    std::size_t dropped = 0;  // send buffer full, or an error: never waited for
    std::size_t sent_bytes = 0;
};

// Receives completions. Every call happens on the engine's thread, from inside
// engine::wait(), never from inside another engine call, so a handler may start
// new operations from any callback.
class completion_handler {
public:
    // A connection accepted on listener `listener`: `fd` is ours to attach or close.
    // On failure fd is a negative errno (-EMFILE when out of descriptors) and peer
    // is null.
    virtual void on_accept(std::size_t listener, int fd, const sockaddr* peer,
                           socklen_t peer_len) = 0;
    // result > 0: `data` holds result bytes, now owned by the handler.
    // result == 0: the peer shut down its write side. result < 0: -errno.
    // After either of the last two no further on_recv names `conn`.
    virtual void on_recv(conn_token conn, int result, core::chunk_ptr data) = 0;
    // The send started by send() is over: result bytes left (possibly fewer than
    // asked) or -errno.
    virtual void on_send(conn_token conn, int result) = 0;
    // close() finished; no later completion names `conn`.
    virtual void on_closed(conn_token conn) = 0;
    // Datagrams arrived on datagram socket `socket`; mark those to echo. The engine
    // then sends them and reports with on_datagrams_sent.
    virtual void on_datagrams(std::size_t socket, std::span<datagram> batch) = 0;
    // Of the datagrams marked, `sent` left and `dropped` did not (send buffer full
    // or an error: a datagram socket never waits to send).
    virtual void on_datagrams_sent(std::size_t socket, std::size_t sent, std::size_t dropped,
                                   std::size_t sent_bytes) = 0;
    // Another thread called notify().
    virtual void on_notify() = 0;

protected:
    ~completion_handler() = default;
};

// One engine per event-loop thread. All members but notify() and counters() must be
// called on that thread. The contract below is kept exactly by every engine and
// checked by tests/unit/engine_contract_test.cpp against each of them.
//
// Fairness: in one wait() a connection is served at most kReadBudget bytes of
// receive; a connection with more to read yields and is served again next turn,
// so one flat-out sender delays the others by one budget, not for ever.
class engine {
public:
    static constexpr std::size_t kReadBudget = 64 * 1024;

    virtual ~engine() = default;

    [[nodiscard]] virtual std::string_view name() const noexcept = 0;

    // Starts accepting on listening socket `fd`, which the caller owns and keeps
    // open until unwatch_listener(index).
    virtual void watch_listener(std::size_t index, int fd) = 0;
    virtual void pause_listener(std::size_t index) = 0;
    virtual void resume_listener(std::size_t index) = 0;
    // Stops accepting on it. A connection the engine had already accepted may still
    // be handed to on_accept afterwards (io_uring's completions in flight): the
    // kernel told its client it was connected, so it is served, not dropped.
    virtual void unwatch_listener(std::size_t index) = 0;

    // Starts receiving on datagram socket `fd` (the caller keeps it open), known as
    // `index` in the same space as listeners.
    virtual void watch_datagrams(std::size_t index, int fd) = 0;
    // Sends `out` on datagram socket `index` at once, in order, without waiting.
    [[nodiscard]] virtual datagram_send_result send_datagrams(
        std::size_t index, std::span<const outgoing_datagram> out) noexcept = 0;

    // Takes ownership of connected socket `fd`, known as `conn` from now on, with
    // receiving off. Returns 0, or -errno when the engine cannot watch it: then
    // `fd` stays the caller's and no completion ever names `conn`.
    [[nodiscard]] virtual int attach(conn_token conn, int fd) noexcept = 0;
    // While on, received bytes arrive as on_recv, one chunk per call, in order.
    // Once switched off, no on_recv names `conn` until it is switched on again:
    // bytes the kernel delivered meanwhile wait in the engine and come first.
    virtual void set_receiving(conn_token conn, bool on) noexcept = 0;
    // Sends `bytes`, borrowed until on_send. At most one send per connection is
    // in flight, which is what keeps an echo in order.
    virtual void send(conn_token conn, std::span<const std::byte> bytes) noexcept = 0;
    // Ends the sending side (the peer reads EOF) while receiving goes on: for an
    // application that has said all it will and reads the rest away before it
    // closes. No send may be in flight, and none may follow.
    virtual void end_sending(conn_token conn) noexcept = 0;
    // Closes the socket and abandons what is in flight. From its return no on_recv
    // or on_send names `conn`; exactly one on_closed follows, from a later wait().
    virtual void close(conn_token conn) noexcept = 0;
    // Like close(), but the peer sees a reset (RST), not a FIN: bytes not yet sent
    // are dropped (SO_LINGER {1, 0}, then the socket closes). Completions follow as
    // for close(). For a fault that asks for it (reset_after=).
    virtual void abort(conn_token conn) noexcept = 0;
    // Attached, and close() (or abort()) not called yet.
    [[nodiscard]] virtual bool is_open(conn_token conn) const noexcept = 0;

    // Waits up to `timeout` (negative: no limit) and delivers what completed. What
    // was due before the call (an on_closed after a close() made outside wait(),
    // bytes carried from the last turn) is delivered without sleeping: the handler
    // may have changed what the caller's timeout was computed for.
    // Errors of the engine itself (not of one connection) throw.
    virtual void wait(completion_handler& handler, std::chrono::milliseconds timeout) = 0;
    // Thread-safe: wakes wait() on the engine's thread, which then calls on_notify.
    virtual void notify() noexcept = 0;

    // Thread-safe: how often shared resources ran short (for /metrics).
    [[nodiscard]] virtual const engine_counters& counters() const noexcept = 0;
};

}  // namespace echo::io
