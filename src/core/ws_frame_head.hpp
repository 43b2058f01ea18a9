// A WebSocket frame's head (RFC 6455 §5.2: flags, opcode, length, masking key) as
// it arrives, gathered from pieces of any size into 14 bytes and then read, so the
// server sees a frame's length before any of its payload.
#pragma once

#include "core/ws_client_frame.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::core {

struct ws_frame_head {
    bool fin = false;
    std::uint8_t rsv = 0;     // RSV1-3, as the three low bits
    std::uint8_t opcode = 0;  // as sent, reserved ones included
    bool masked = false;
    // False when the length is not in its shortest form or has its top bit set
    // (§5.2): the stream's frame boundaries can no longer be trusted.
    bool length_ok = true;
    std::uint64_t length = 0;
    ws_mask_key key{};        // zeros when not masked
};

// Bounded memory: the 14 bytes of the longest head, whatever the input.
class ws_frame_head_reader {
public:
    // Takes the head's bytes from the front of `in`, never past the head's end;
    // returns how many.
    std::size_t take(std::span<const std::byte> in) noexcept;
    [[nodiscard]] bool complete() const noexcept { return have_ >= 2 && have_ == wanted(); }
    // The head, once complete(); the reader then starts on the next one.
    [[nodiscard]] ws_frame_head next() noexcept;

private:
    [[nodiscard]] std::size_t wanted() const noexcept;

    std::array<std::byte, kMaxClientFrameHeader> bytes_{};
    std::size_t have_ = 0;
};

}  // namespace echo::core
