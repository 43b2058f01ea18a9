// The frames a WebSocket client sends (RFC 6455 section 5.2): a header with the mask
// bit set, then the payload XORed with the frame's 4-byte masking key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::core {

enum class ws_opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xa,
};

inline constexpr std::size_t kMaxClientFrameHeader = 14;  // 2 + 8 length + 4 mask
using ws_mask_key = std::array<std::byte, 4>;

// Writes the header of one final (FIN) frame carrying `payload_size` bytes; returns
// its length (6, 8 or 14).
[[nodiscard]] std::size_t write_client_frame_header(
    std::span<std::byte, kMaxClientFrameHeader> out, ws_opcode opcode,
    std::uint64_t payload_size, const ws_mask_key& key) noexcept;

// Copies `from` into `to` (same size) masked, as bytes `offset`, offset+1, ... of a
// frame's payload; `keep` is ANDed in first (0x7f keeps a text message ASCII).
void copy_masked(std::span<const std::byte> from, std::span<std::byte> to,
                 const ws_mask_key& key, std::uint64_t offset,
                 std::byte keep = std::byte{0xff}) noexcept;

}  // namespace echo::core
