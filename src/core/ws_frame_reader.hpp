// The frames a WebSocket client receives, parsed as they arrive (RFC 6455 section
// 5.2): data payloads are handed out in the pieces the input brings, never held;
// control frames are held whole (125 bytes at most) and handed out at once.
#pragma once

#include "core/ws_client_frame.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace echo::core {

struct ws_event {
    enum class kind {
        progress,  // `used` bytes went into a header or a control frame's payload
        data,      // `payload` is the next piece of the current message
        control,   // a whole ping, pong or close frame; its payload in `payload`
        error,     // the input broke the protocol: see problem(); every later call says so
    };
    kind what = kind::progress;
    std::size_t used = 0;                  // bytes of the input consumed; an empty frame's
                                           // event also takes its header's last bytes, so
                                           // it is never held back until more input comes
    std::span<const std::byte> payload;    // data: borrowed from the input; control: from
                                           // the reader, valid until the next call
    ws_opcode opcode = ws_opcode::binary;  // data: the message's (text or binary)
    bool message_end = false;              // data: this piece ends the message
};

// What a server may send a client that negotiated no extension: unmasked frames,
// reserved bits clear, control frames final and short, fragments only of a started
// message. Bounded memory: 14 header bytes and 125 control bytes, whatever the input.
class ws_frame_reader {
public:
    // Consumes a prefix of `in` (all of it over repeated calls, unless an error).
    [[nodiscard]] ws_event next(std::span<const std::byte> in);
    [[nodiscard]] const std::string& problem() const noexcept { return problem_; }
    // A close frame's status code, or 1005 ("no status") when it carried none.
    [[nodiscard]] static std::uint16_t close_code(std::span<const std::byte> payload) noexcept;

private:
    ws_event fail(std::string why);
    ws_event finish_header(std::size_t used);

    std::array<std::byte, kMaxClientFrameHeader> header_{};
    std::size_t header_have_ = 0;
    bool in_payload_ = false;
    std::uint64_t payload_left_ = 0;
    ws_opcode frame_opcode_ = ws_opcode::binary;
    bool frame_final_ = false;
    bool in_message_ = false;  // a data message started and has not ended
    ws_opcode message_opcode_ = ws_opcode::binary;
    std::array<std::byte, 125> control_{};
    std::size_t control_have_ = 0;
    std::string problem_;
};

}  // namespace echo::core
