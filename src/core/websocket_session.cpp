// The echo's state machine over client frames, read here without a framing
// library: a frame's head is judged as soon as its last byte is in (framing,
// masking rule, reserved bits and opcodes, fragmentation, size), so a frame over
// max_message is refused from its length alone; its payload is then unmasked
// straight into where it goes. A frame that makes a whole echo by itself (the
// common case) is unmasked into the output as it arrives, however the input is
// cut, and shown once whole: one copy. Only the fragments of a message to be
// echoed whole gather in payload_. UTF-8 is checked as text arrives, and the close
// handshake and backpressure are kept here too.
#include "core/websocket_session.hpp"

#include <algorithm>

namespace echo::core {
namespace {

constexpr std::uint8_t kContinuation = 0x0;
constexpr std::uint8_t kText = 0x1;
constexpr std::uint8_t kBinary = 0x2;
constexpr std::uint8_t kClose = 0x8;
constexpr std::uint8_t kPing = 0x9;
constexpr std::uint8_t kPong = 0xa;

constexpr std::uint16_t kProtocolError = 1002;
constexpr std::uint16_t kInvalidPayload = 1007;
constexpr std::uint16_t kMessageTooBig = 1009;

// §5.5: control frames (opcodes 8-F, reserved ones included) are final and carry
// at most 125 bytes.
constexpr std::uint64_t kMaxControlPayload = 125;
// A server frame's head: no mask, at most a 64-bit length.
constexpr std::size_t kMaxServerHead = 10;
// The largest close payload the session makes from a failure name: code and name.
constexpr std::size_t kMaxFailureClose = 2 + 32;
// Above these, a drained buffer is given back rather than kept for the next message,
// so an idle session after one big message holds little. The output's is larger:
// echoes of 16 KiB messages (W2) grow it to 32 KiB, and giving that back after each
// one made the heap shrink and grow again, a page fault per page per message.
constexpr std::size_t kKeptPayload = 16 * 1024;
constexpr std::size_t kKeptOutput = 64 * 1024;

constexpr std::array<std::string_view, 11> kFailures{
    "framing",             // a control frame over 125 bytes or fragmented, a length not in its shortest form
    "unmasked",            // a client frame without a mask (§5.1)
    "reserved_bits",       // RSV1-3 set with no extension negotiated
    "reserved_opcode",     // opcodes 3-7 and B-F
    "continuation",        // a continuation frame outside a fragmented message
    "unfinished_message",  // a new text/binary frame before the last one's FIN
    "invalid_utf8",        // in a text message, at the first bad byte
    "message_too_big",     // over max_message
    "close_payload",       // a close frame of 1 byte
    "close_code",          // a close code a peer may not send
    "close_reason",        // a close reason that is not UTF-8
};

// The output a session may queue, the frame being echoed included. It takes input
// only below the high-water mark, and one step of feed() ends at most one frame,
// which makes at most one message or frame (max_message and a 10-byte head) or one
// pong (127 bytes), then maybe one close frame of the session's own (at most 2 +
// kMaxFailureClose bytes). 512 bytes cover the heads, pong and close. A frame being
// echoed is at most a message and its head.
std::size_t max_pending_output(const websocket_settings& s) {
    return s.output_high_water + s.max_message + 512;
}

// A server frame's head: unmasked, the length in its shortest form (§5.2).
std::size_t write_server_head(std::byte* out, std::uint8_t opcode, bool fin, std::uint64_t size) {
    out[0] = std::byte((fin ? 0x80 : 0) | opcode);
    if (size < 126) {
        out[1] = std::byte(size);
        return 2;
    }
    const std::size_t n = size <= 0xffff ? 2 : 8;
    out[1] = std::byte(n == 2 ? 126 : 127);
    for (std::size_t i = 0; i < n; ++i) out[2 + i] = std::byte(size >> (8 * (n - 1 - i)));
    return 2 + n;
}

std::size_t server_head_size(std::uint64_t size) { return size < 126 ? 2 : size <= 0xffff ? 4 : 10; }

}  // namespace

bool valid_close_code(std::uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

std::span<const std::string_view> websocket_session_failures() noexcept { return kFailures; }

std::size_t websocket_session::max_held_bytes(const websocket_settings& settings) noexcept {
    return settings.max_message + 2 * max_pending_output(settings);
}

std::size_t websocket_session::held_bytes() const noexcept {
    return payload_.capacity() + output_.capacity();
}

std::span<const std::byte> websocket_session::output() const noexcept {
    return std::span{output_}.subspan(sent_, pending_output());
}

void websocket_session::on_sent(std::size_t n) noexcept {
    sent_ += std::min(n, pending_output());
    if (sent_ != output_.size()) return;
    sent_ = 0;
    ready_ = 0;
    if (output_.capacity() > kKeptOutput) {
        std::vector<std::byte>{}.swap(output_);
    } else {
        output_.clear();
    }
}

bool websocket_session::wants_input() const noexcept {
    return state_ != websocket_state::closed && pending_output() < settings_.output_high_water;
}

std::size_t websocket_session::feed(std::span<const std::byte> bytes) noexcept {
    std::size_t taken = 0;
    while (taken < bytes.size() && state_ != websocket_state::closed &&
           pending_output() < settings_.output_high_water) {
        const auto rest = bytes.subspan(taken);
        if (in_frame_) {
            taken += read_payload(rest);
            continue;
        }
        taken += head_.take(rest);
        if (!head_.complete()) break;
        start_frame(head_.next());
        if (in_frame_ && frame_left_ == 0) end_frame();
    }
    return taken;
}

void websocket_session::start_frame(const ws_frame_head& head) noexcept {
    in_frame_ = true;
    frame_fin_ = head.fin;
    frame_opcode_ = head.opcode;
    key_ = head.key;
    frame_read_ = 0;
    frame_left_ = head.length;
    control_size_ = 0;
    use_ = frame_use::discard;
    const bool control = (head.opcode & 0x8) != 0;
    if (!head.length_ok || (control && (!head.fin || head.length > kMaxControlPayload))) {
        // The stream has lost its frame boundaries: no close of the peer's can be
        // found in it any more, so the session ends with its own.
        fail(kProtocolError, "framing");
        in_frame_ = false;
        state_ = websocket_state::closed;
        return;
    }
    if (state_ != websocket_state::open) {
        // Closing: only the peer's close matters now.
        if (head.opcode == kClose) use_ = frame_use::control;
        return;
    }
    if (!head.masked) return fail(kProtocolError, "unmasked");
    if (head.rsv != 0) return fail(kProtocolError, "reserved_bits");
    if (control) {
        if (head.opcode != kClose && head.opcode != kPing && head.opcode != kPong) {
            return fail(kProtocolError, "reserved_opcode");
        }
        use_ = frame_use::control;
        return;
    }
    if (head.opcode == kContinuation) {
        if (!in_message_) return fail(kProtocolError, "continuation");
    } else if (head.opcode != kText && head.opcode != kBinary) {
        return fail(kProtocolError, "reserved_opcode");
    } else if (in_message_) {
        return fail(kProtocolError, "unfinished_message");
    }
    // Checked at the frame's head, before any of its payload is read. With
    // echo_frames nothing is ever held here (each frame is echoed as it comes).
    if (head.length > settings_.max_message - payload_.size()) {
        return fail(kMessageTooBig, "message_too_big");
    }
    if (!in_message_) {
        in_message_ = true;
        message_opcode_ = head.opcode;
        utf8_.reset();
    }
    use_ = frame_use::data;
    if (payload_.empty() && (settings_.echo_frames || head.fin)) {
        use_ = frame_use::echo;
        write_head(settings_.echo_frames ? frame_opcode_ : message_opcode_, settings_.echo_frames ? frame_fin_ : true,
                   head.length);
    }
}

std::size_t websocket_session::read_payload(std::span<const std::byte> bytes) noexcept {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(frame_left_, bytes.size()));
    const auto piece = bytes.first(n);
    if (use_ == frame_use::echo) {
        write_echo(piece);
    } else if (use_ == frame_use::data) {
        append_payload(piece);
    } else if (use_ == frame_use::control) {
        copy_masked(piece, std::span{control_}.subspan(control_size_, n), key_, frame_read_);
        control_size_ += n;
    }
    frame_read_ += n;
    frame_left_ -= n;
    if (frame_left_ == 0) end_frame();
    return n;
}

// Grows the output as the frame's bytes come, so what a peer makes the session
// hold is what it has sent; text that is not UTF-8 fails at its first bad byte,
// and the frame is taken back out of the output.
void websocket_session::write_echo(std::span<const std::byte> masked) noexcept {
    grow_output(masked.size());
    const auto at = output_.size();
    output_.resize(at + masked.size());
    const auto piece = std::span{output_}.subspan(at);
    copy_masked(masked, piece, key_, frame_read_);
    if (message_opcode_ == kText && !utf8_.feed(piece)) fail(kInvalidPayload, "invalid_utf8");
}

void websocket_session::end_frame() noexcept {
    in_frame_ = false;
    if (use_ == frame_use::echo) {
        end_echo_frame();
    } else if (use_ == frame_use::data) {
        end_data_frame();
    } else if (use_ == frame_use::control) {
        end_control_frame();
    }
}

void websocket_session::end_data_frame() noexcept {
    ++counters_.frames;
    if (frame_fin_ && message_opcode_ == kText && !utf8_.complete()) {
        return fail(kInvalidPayload, "invalid_utf8");  // the text ends inside a code point
    }
    // Only a fragmented message's frames are held (echo_frames echoes each as it
    // comes): the message goes out whole once its last one is in.
    if (!frame_fin_) {
        return;
    }
    send_frame(message_opcode_, true, payload_);
    const auto size = payload_.size();
    payload_.clear();
    count_echoed(size);
}

void websocket_session::end_echo_frame() noexcept {
    ++counters_.frames;
    if (frame_fin_ && message_opcode_ == kText && !utf8_.complete()) {
        return fail(kInvalidPayload, "invalid_utf8");
    }
    ready_ = output_.size();
    count_echoed(frame_read_);
}

void websocket_session::count_echoed(std::size_t bytes) noexcept {
    counters_.message_bytes += bytes;
    if (!frame_fin_) return;
    ++counters_.messages;
    in_message_ = false;
    if (payload_.capacity() > kKeptPayload) release_payload();
}

void websocket_session::end_control_frame() noexcept {
    const std::span<const std::byte> payload{control_.data(), control_size_};
    if (frame_opcode_ == kPing) {
        ++counters_.pings;
        send_frame(kPong, true, payload);
    } else if (frame_opcode_ == kPong) {
        ++counters_.pongs;
    } else {
        on_peer_close(payload);
    }
}

void websocket_session::on_peer_close(std::span<const std::byte> payload) noexcept {
    if (payload.size() >= 2) {
        peer_close_code_ = static_cast<std::uint16_t>(std::to_integer<unsigned>(payload[0]) << 8 |
                                                      std::to_integer<unsigned>(payload[1]));
    }
    if (state_ == websocket_state::open) {
        utf8_validator reason;
        if (payload.size() == 1) {
            fail(kProtocolError, "close_payload");
        } else if (payload.size() >= 2 && !valid_close_code(peer_close_code_)) {
            fail(kProtocolError, "close_code");
        } else if (payload.size() > 2 && !(reason.feed(payload.subspan(2)) && reason.complete())) {
            fail(kInvalidPayload, "close_reason");
        } else {
            // The echo: the peer's code and reason, as sent.
            send_close(peer_close_code_, payload);
        }
    }
    state_ = websocket_state::closed;  // the peer sends nothing after its close
    release_payload();
}

void websocket_session::close(std::uint16_t code) noexcept {
    if (state_ != websocket_state::open) return;
    drop_frame();  // the rest of the frame being read is discarded, never echoed after the close
    const std::array<std::byte, 2> payload{std::byte(code >> 8), std::byte(code & 0xff)};
    send_close(code, payload);
    state_ = websocket_state::closing;
    release_payload();
}

// The frame being read is not echoed: what of it was written is taken back.
void websocket_session::drop_frame() noexcept {
    if (use_ == frame_use::echo) output_.resize(ready_);
    use_ = frame_use::discard;
}

void websocket_session::fail(std::uint16_t code, std::string_view failure) noexcept {
    drop_frame();
    if (state_ != websocket_state::open) return;
    failure_ = failure;
    // The failure's name as the reason: ASCII, so valid UTF-8, and it tells the
    // client's developer what the server saw.
    std::array<std::byte, kMaxFailureClose> payload{std::byte(code >> 8), std::byte(code & 0xff)};
    const auto n = std::min(failure.size(), payload.size() - 2);
    std::copy_n(reinterpret_cast<const std::byte*>(failure.data()), n, payload.begin() + 2);
    send_close(code, std::span{payload}.first(2 + n));
    state_ = websocket_state::closing;
    release_payload();
}

void websocket_session::send_close(std::uint16_t code, std::span<const std::byte> payload) noexcept {
    close_code_ = code;
    send_frame(kClose, true, payload);
}

void websocket_session::send_frame(std::uint8_t opcode, bool fin, std::span<const std::byte> payload) noexcept {
    grow_output(server_head_size(payload.size()) + payload.size());
    write_head(opcode, fin, payload.size());
    output_.insert(output_.end(), payload.begin(), payload.end());
    ready_ = output_.size();
}

void websocket_session::write_head(std::uint8_t opcode, bool fin, std::size_t size) noexcept {
    std::array<std::byte, kMaxServerHead> head;
    const auto head_size = write_server_head(head.data(), opcode, fin, size);
    grow_output(head_size);
    output_.insert(output_.end(), head.begin(), head.begin() + static_cast<std::ptrdiff_t>(head_size));
}

void websocket_session::grow_output(std::size_t more) noexcept {
    const auto needed = output_.size() + more;
    if (needed <= output_.capacity()) return;
    // Compacting costs the bytes kept, at most the sent ones moved past, so it
    // stays linear in what is sent.
    if (sent_ >= output_.size() - sent_) {
        output_.erase(output_.begin(), output_.begin() + static_cast<std::ptrdiff_t>(sent_));
        ready_ -= sent_;
        sent_ = 0;
    }
    const auto limit = 2 * max_pending_output(settings_);
    output_.reserve(std::max(output_.size() + more, std::min(2 * output_.capacity(), limit)));
}

// Unmasked as it is kept, its text checked first so bad UTF-8 fails at once.
void websocket_session::append_payload(std::span<const std::byte> masked) noexcept {
    const auto size = payload_.size();
    const auto needed = size + masked.size();  // <= max_message, checked at the head
    if (needed > payload_.capacity()) {
        payload_.reserve(std::max(needed, std::min(2 * payload_.capacity(), settings_.max_message)));
    }
    payload_.resize(needed);
    const auto piece = std::span{payload_}.subspan(size);
    copy_masked(masked, piece, key_, frame_read_);
    if (message_opcode_ == kText && !utf8_.feed(piece)) {
        payload_.resize(size);
        fail(kInvalidPayload, "invalid_utf8");
    }
}

void websocket_session::release_payload() noexcept {
    std::vector<std::byte>{}.swap(payload_);
}

}  // namespace echo::core
