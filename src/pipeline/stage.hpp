// One protocol layer between the socket and the application (TLS today, a PROXY
// header reader next): a byte transform both ways, with its own state machine and
// no syscalls, so it is tested over byte buffers at every split point.
#pragma once

#include "core/chunk.hpp"
#include "core/chunk_list.hpp"
#include "core/peer_address.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace echo::pipeline {

// Where a stage stands. `failed` ends the connection once the stage's last wire
// bytes (an alert, say) have gone.
enum class stage_state { opening, open, failed };

// Who the client really is, when a stage learns it from the stream (a PROXY
// header) rather than the socket: the limits, logs and metrics then use it.
struct peer_claim {
    bool pending = false;  // not known yet: the stage is still reading
    std::optional<core::peer_address> address;  // none: the socket's peer stands
    std::uint16_t port = 0;
};

// Ownership: a stage owns the bytes it holds (held()), lends nothing it keeps, and
// takes chunks for what it produces from the chunk_source it was made with. All
// calls happen on the connection's loop thread.
class stage {
public:
    virtual ~stage() = default;

    // Wire-side bytes, in order. The stage keeps them until it has used them; they
    // count in held() meanwhile.
    virtual void push_inbound(core::chunk_ptr bytes) noexcept = 0;
    // The wire side will send no more.
    virtual void inbound_ended() noexcept = 0;
    // The next application-side chunk, or null when none is ready. Working
    // through held inbound bytes may also produce wire bytes (handshake replies).
    [[nodiscard]] virtual core::chunk_ptr pull_inbound() noexcept = 0;
    // No more application bytes will come inbound: the peer closed at this layer
    // (or below it) and everything before that was pulled.
    [[nodiscard]] virtual bool inbound_finished() const noexcept = 0;

    // Application bytes to carry to the wire; returns how many were taken (all of
    // them unless the stage cannot send yet, e.g. before its handshake ends).
    [[nodiscard]] virtual std::size_t push_outbound(std::span<const std::byte> bytes) noexcept = 0;
    // The application is done sending: write what closes this layer.
    virtual void outbound_ended() noexcept = 0;
    // Wire bytes waiting to be sent, oldest first; the caller sends from the front
    // chunk and reports with wire_sent().
    [[nodiscard]] virtual core::chunk_list& wire() noexcept = 0;

    [[nodiscard]] virtual stage_state state() const noexcept = 0;
    // Why the stage failed, for logs and metrics: a short stable name.
    [[nodiscard]] virtual std::string_view failure() const noexcept = 0;
    // Chunks held in either direction, counted against the connection's bound.
    [[nodiscard]] virtual std::size_t held() const noexcept = 0;

    // Once open, a stage that passes bytes through unchanged both ways says so, and
    // the chain then hands bytes past it without a copy.
    [[nodiscard]] virtual bool transparent() const noexcept { return false; }
    // What the stage says of the client; most stages say nothing.
    [[nodiscard]] virtual peer_claim claim() const noexcept { return {}; }
};

}  // namespace echo::pipeline
