// The echo protocol for one byte stream, as a state machine without syscalls:
// received chunks go in, spans to send come out, in order, with bounded memory.
#pragma once

#include "core/chunk_list.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::core {

class echo_stream {
public:
    // Takes ownership of received bytes; they are echoed in arrival order.
    void on_received(chunk_ptr c) noexcept;
    // The peer shut down its write side: what was received is still echoed.
    void on_peer_eof() noexcept { peer_eof_ = true; }

    // Bytes to send now, or an empty span when nothing waits or a send is already
    // in flight (sends on one stream never overlap, so bytes cannot reorder). The
    // span stays valid until on_sent().
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept;
    void on_sent(std::size_t n) noexcept;

    // Backpressure: stop receiving while `max_chunks` chunks are held.
    [[nodiscard]] bool wants_receive(std::size_t max_chunks) const noexcept {
        return !peer_eof_ && pending_.count() < max_chunks;
    }
    // Everything the peer sent has been echoed and the peer will send no more.
    [[nodiscard]] bool finished() const noexcept {
        return peer_eof_ && pending_.empty() && !send_in_flight_;
    }
    [[nodiscard]] std::size_t held_chunks() const noexcept { return pending_.count(); }
    [[nodiscard]] std::uint64_t bytes_echoed() const noexcept { return echoed_; }
    [[nodiscard]] std::uint64_t bytes_received() const noexcept { return echoed_ + pending_.bytes(); }

private:
    chunk_list pending_;
    std::uint64_t echoed_ = 0;
    bool send_in_flight_ = false;
    bool peer_eof_ = false;
};

}  // namespace echo::core
