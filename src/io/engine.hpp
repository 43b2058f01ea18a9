// The seam between the echo logic and the kernel: operations (accept, receive,
// send, close) that complete later, so readiness engines (epoll) and completion
// engines (io_uring) both fit without one pretending to be the other.
#pragma once

#include "core/chunk.hpp"

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
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
    std::span<const std::byte> data;
    bool echo = false;  // set by the handler: send `data` back to `peer`
};

// Receives completions. Every call happens on the engine's thread, from inside
// engine::wait(); a handler may start new operations from any callback.
class completion_handler {
public:
    // A connection accepted on listener `listener`: `fd` is ours to attach or close.
    // On failure fd is a negative errno (-EMFILE when out of descriptors) and peer
    // is null.
    virtual void on_accept(std::size_t listener, int fd, const sockaddr* peer,
                           socklen_t peer_len) = 0;
    // result > 0: `data` holds result bytes, now owned by the handler.
    // result == 0: the peer shut down its write side. result < 0: -errno.
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

// One engine per event-loop thread. All members but notify() must be called on
// that thread.
class engine {
public:
    virtual ~engine() = default;

    [[nodiscard]] virtual std::string_view name() const noexcept = 0;

    // Starts accepting on listening socket `fd`, which the caller owns and keeps
    // open until unwatch_listener(index).
    virtual void watch_listener(std::size_t index, int fd) = 0;
    virtual void pause_listener(std::size_t index) = 0;
    virtual void resume_listener(std::size_t index) = 0;
    virtual void unwatch_listener(std::size_t index) = 0;

    // Starts receiving on datagram socket `fd` (the caller keeps it open), known as
    // `index` in the same space as listeners.
    virtual void watch_datagrams(std::size_t index, int fd) = 0;

    // Takes ownership of connected socket `fd`, known as `conn` from now on.
    virtual void attach(conn_token conn, int fd) = 0;
    // While on, received bytes arrive as on_recv, one chunk per call.
    virtual void set_receiving(conn_token conn, bool on) = 0;
    // Sends `bytes`, borrowed until on_send. At most one send per connection is
    // in flight, which is what keeps an echo in order.
    virtual void send(conn_token conn, std::span<const std::byte> bytes) = 0;
    // Closes the socket and abandons what is in flight; on_closed follows.
    virtual void close(conn_token conn) = 0;

    // Waits up to `timeout` (negative: no limit) and delivers what completed.
    virtual void wait(completion_handler& handler, std::chrono::milliseconds timeout) = 0;
    // Thread-safe: wakes wait() on the engine's thread, which then calls on_notify.
    virtual void notify() noexcept = 0;
};

}  // namespace echo::io
