// A WebSocket client's frames as raw bytes (masked, any bits, any opcode), and a
// strict reader of a server's frames: what the session tests and its fuzz target
// send and check, without a real client.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace echo::testing {

struct client_frame_bits {
    bool fin = true;
    std::uint8_t rsv = 0;  // RSV1..3 as bits 2..0
    bool masked = true;
    std::array<std::uint8_t, 4> mask{0x37, 0xfa, 0x21, 0x3d};
};

// One frame as a client writes it, its length in the shortest form (7, 16 or 64
// bits), its payload masked unless bits.masked is false.
[[nodiscard]] std::string client_frame(std::uint8_t opcode, std::string_view payload,
                                       const client_frame_bits& bits = {});

// A close frame's payload: the code, big-endian, then the reason.
[[nodiscard]] std::string close_payload(std::uint16_t code, std::string_view reason = {});

struct server_frame {
    bool fin = true;
    std::uint8_t opcode = 0;
    std::string payload;
    friend bool operator==(const server_frame&, const server_frame&) = default;
};
// For test failure messages: "text fin 5 'Hello'", payloads over 40 bytes cut.
void PrintTo(const server_frame& f, std::ostream* os);

struct server_frames {
    std::vector<server_frame> frames;
    // Empty, or what breaks RFC 6455 for a server's frames: a mask, RSV bits, a
    // length not in its shortest form, a control frame over 125 bytes or not FIN.
    std::string error;
    std::size_t incomplete = 0;  // bytes of a last frame not all there
};

[[nodiscard]] server_frames read_server_frames(std::string_view bytes);

}  // namespace echo::testing
