// The echo's state machine over wslay's frame layer (wslay_frame_*): wslay finds
// frame boundaries, unmasks, and rejects what is malformed at the framing level
// (control frames over 125 bytes or fragmented, lengths not in their shortest
// form); this file owns everything above: masking rule, reserved bits and opcodes,
// fragmentation, UTF-8, sizes, the close handshake and backpressure. wslay's event
// layer is not used: it buffers whole messages, keeps an unbounded send queue, and
// has no UTF-8 check to fail fast with.
#include "core/websocket_session.hpp"

#include <wslay/wslay.h>

#include <algorithm>
#include <new>

namespace echo::core {
namespace {

constexpr std::uint8_t kContinuation = WSLAY_CONTINUATION_FRAME;
constexpr std::uint8_t kText = WSLAY_TEXT_FRAME;
constexpr std::uint8_t kBinary = WSLAY_BINARY_FRAME;
constexpr std::uint8_t kClose = WSLAY_CONNECTION_CLOSE;
constexpr std::uint8_t kPing = WSLAY_PING;
constexpr std::uint8_t kPong = WSLAY_PONG;

constexpr std::uint16_t kProtocolError = WSLAY_CODE_PROTOCOL_ERROR;
constexpr std::uint16_t kInvalidPayload = WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA;
constexpr std::uint16_t kMessageTooBig = WSLAY_CODE_MESSAGE_TOO_BIG;

// wslay's frame context: a 4 KiB input buffer (it copies input there and unmasks in
// place) and a few dozen bytes of state; one allocation per session.
constexpr std::size_t kFramerInput = 4096;
constexpr std::size_t kFramerBytes = kFramerInput + 256;
// The largest close payload the session makes from a failure name: code and name.
constexpr std::size_t kMaxFailureClose = 2 + 32;
// Above this, a drained buffer is given back rather than kept for the next message,
// so an idle session after one big message holds little.
constexpr std::size_t kKeptCapacity = 16 * 1024;

constexpr std::array<std::string_view, 11> kFailures{
    "framing",             // wslay: oversized or fragmented control frame, non-minimal length
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

// The output a session may queue. It takes input only below the high-water mark;
// past it, what the framer already holds (at most kFramerInput bytes) is still
// read, and makes no more output than its own size (a server frame is no larger
// than the client frame it echoes: no mask key), plus what frames begun before it
// make when they end there: one message or frame (max_message and a 10-byte head)
// and one pong (127 bytes). Then one close frame of the session's own (at most
// 2 + kMaxFailureClose bytes). 512 bytes cover the heads, pong and close.
std::size_t max_pending_output(const websocket_settings& s) {
    return s.output_high_water + kFramerInput + s.max_message + 512;
}

const std::byte* as_bytes(const std::uint8_t* p) { return reinterpret_cast<const std::byte*>(p); }

}  // namespace

// wslay's callbacks: it pulls input from feed()'s bytes and pushes whole frames
// into the output buffer.
struct websocket_framer_io {
    static ssize_t recv(std::uint8_t* buf, std::size_t len, int, void* user) {
        auto& s = *static_cast<websocket_session*>(user);
        if (s.state_ == websocket_state::closed || s.pending_output() >= s.settings_.output_high_water) {
            return 0;  // wslay: want read; what it already holds is still parsed
        }
        const auto n = std::min(len, s.input_.size());
        std::copy_n(s.input_.begin(), n, reinterpret_cast<std::byte*>(buf));
        s.input_ = s.input_.subspan(n);
        s.taken_ += n;
        return static_cast<ssize_t>(n);
    }
    static ssize_t send(const std::uint8_t* data, std::size_t len, int, void* user) {
        static_cast<websocket_session*>(user)->append_output({as_bytes(data), len});
        return static_cast<ssize_t>(len);
    }
    static int genmask(std::uint8_t*, std::size_t, void*) { return -1; }  // servers never mask
};

bool valid_close_code(std::uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

std::span<const std::string_view> websocket_session_failures() noexcept { return kFailures; }

websocket_session::websocket_session(const websocket_settings& settings) : settings_(settings) {
    const wslay_frame_callbacks callbacks{websocket_framer_io::send, websocket_framer_io::recv,
                                          websocket_framer_io::genmask};
    if (wslay_frame_context_init(&framer_, &callbacks, this) != 0) throw std::bad_alloc{};
}

websocket_session::~websocket_session() { wslay_frame_context_free(framer_); }

std::size_t websocket_session::max_held_bytes(const websocket_settings& settings) noexcept {
    return kFramerBytes + settings.max_message + 2 * max_pending_output(settings);
}

std::size_t websocket_session::held_bytes() const noexcept {
    return kFramerBytes + payload_.capacity() + output_.capacity();
}

std::span<const std::byte> websocket_session::output() const noexcept {
    return std::span{output_}.subspan(sent_);
}

void websocket_session::on_sent(std::size_t n) noexcept {
    sent_ += std::min(n, pending_output());
    if (sent_ != output_.size()) return;
    sent_ = 0;
    if (output_.capacity() > kKeptCapacity) {
        std::vector<std::byte>{}.swap(output_);
    } else {
        output_.clear();
    }
}

bool websocket_session::wants_input() const noexcept {
    return state_ != websocket_state::closed && pending_output() < settings_.output_high_water;
}

std::size_t websocket_session::feed(std::span<const std::byte> bytes) noexcept {
    input_ = bytes;
    taken_ = 0;
    while (state_ != websocket_state::closed) {
        wslay_frame_iocb iocb{};
        const auto r = wslay_frame_recv(framer_, &iocb);
        if (r == WSLAY_ERR_WANT_READ) break;
        if (r < 0) {
            // The stream has lost its frame boundaries: no close of the peer's can be
            // found in it any more, so the session ends with its own.
            fail(kProtocolError, "framing");
            state_ = websocket_state::closed;
            break;
        }
        on_chunk(iocb);
    }
    input_ = {};
    return taken_;
}

void websocket_session::on_chunk(const wslay_frame_iocb& iocb) noexcept {
    if (!in_frame_) start_frame(iocb);
    frame_left_ -= iocb.data_length;
    const std::span<const std::byte> data{as_bytes(iocb.data), iocb.data_length};
    if (use_ == frame_use::data) {
        if (message_opcode_ == kText && !utf8_.feed(data)) {
            fail(kInvalidPayload, "invalid_utf8");
        } else {
            append_payload(data);
        }
    } else if (use_ == frame_use::control) {
        std::copy(data.begin(), data.end(), control_.begin() + static_cast<std::ptrdiff_t>(control_size_));
        control_size_ += data.size();
    }
    if (frame_left_ == 0) end_frame();
}

void websocket_session::start_frame(const wslay_frame_iocb& iocb) noexcept {
    in_frame_ = true;
    frame_fin_ = iocb.fin != 0;
    frame_opcode_ = iocb.opcode;
    frame_left_ = iocb.payload_length;
    control_size_ = 0;
    const bool control = wslay_is_ctrl_frame(iocb.opcode) != 0;
    if (state_ != websocket_state::open) {
        // Closing: only the peer's close matters now.
        use_ = iocb.opcode == kClose ? frame_use::control : frame_use::discard;
        return;
    }
    use_ = frame_use::discard;
    if (iocb.mask == 0) return fail(kProtocolError, "unmasked");
    if (iocb.rsv != 0) return fail(kProtocolError, "reserved_bits");
    if (control) {
        if (iocb.opcode != kClose && iocb.opcode != kPing && iocb.opcode != kPong) {
            return fail(kProtocolError, "reserved_opcode");
        }
        use_ = frame_use::control;
        return;
    }
    if (iocb.opcode == kContinuation) {
        if (!in_message_) return fail(kProtocolError, "continuation");
    } else if (iocb.opcode != kText && iocb.opcode != kBinary) {
        return fail(kProtocolError, "reserved_opcode");
    } else if (in_message_) {
        return fail(kProtocolError, "unfinished_message");
    }
    // Checked at the frame's head, before any of its payload is held.
    const std::uint64_t held_before = settings_.echo_frames ? 0 : payload_.size();
    if (iocb.payload_length > settings_.max_message - held_before) {
        return fail(kMessageTooBig, "message_too_big");
    }
    if (!in_message_) {
        in_message_ = true;
        message_opcode_ = iocb.opcode;
        utf8_.reset();
    }
    use_ = frame_use::data;
}

void websocket_session::end_frame() noexcept {
    in_frame_ = false;
    if (use_ == frame_use::data) {
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
    if (settings_.echo_frames) {
        send_frame(frame_opcode_, frame_fin_, payload_);
    } else if (frame_fin_) {
        send_frame(message_opcode_, true, payload_);
    } else {
        return;
    }
    counters_.message_bytes += payload_.size();
    payload_.clear();
    if (frame_fin_) {
        ++counters_.messages;
        in_message_ = false;
        if (payload_.capacity() > kKeptCapacity) release_payload();
    }
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
    const std::array<std::byte, 2> payload{std::byte(code >> 8), std::byte(code & 0xff)};
    send_close(code, payload);
    state_ = websocket_state::closing;
    release_payload();
}

void websocket_session::fail(std::uint16_t code, std::string_view failure) noexcept {
    use_ = frame_use::discard;
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
    wslay_frame_iocb iocb{};
    iocb.fin = fin ? 1 : 0;
    iocb.opcode = opcode;
    iocb.payload_length = payload.size();
    iocb.data = reinterpret_cast<const std::uint8_t*>(payload.data());
    iocb.data_length = payload.size();
    // The send callback takes every byte, so one call writes the whole frame.
    wslay_frame_send(framer_, &iocb);
}

void websocket_session::append_output(std::span<const std::byte> bytes) noexcept {
    const auto needed = output_.size() + bytes.size();
    if (needed > output_.capacity()) {
        // Compacting costs the pending bytes, at most the sent ones moved past, so
        // it stays linear in what is sent.
        if (sent_ >= pending_output()) {
            output_.erase(output_.begin(), output_.begin() + static_cast<std::ptrdiff_t>(sent_));
            sent_ = 0;
        }
        const auto limit = 2 * max_pending_output(settings_);
        output_.reserve(std::max(output_.size() + bytes.size(), std::min(2 * output_.capacity(), limit)));
    }
    output_.insert(output_.end(), bytes.begin(), bytes.end());
}

void websocket_session::append_payload(std::span<const std::byte> bytes) noexcept {
    const auto needed = payload_.size() + bytes.size();  // <= max_message, checked at the head
    if (needed > payload_.capacity()) {
        payload_.reserve(std::max(needed, std::min(2 * payload_.capacity(), settings_.max_message)));
    }
    payload_.insert(payload_.end(), bytes.begin(), bytes.end());
}

void websocket_session::release_payload() noexcept {
    std::vector<std::byte>{}.swap(payload_);
}

}  // namespace echo::core
