// A header is gathered byte by byte into a 14-byte array (its length is known after
// the second byte), so a frame split anywhere parses the same as one read whole.
#include "core/ws_frame_reader.hpp"

#include <algorithm>

namespace echo::core {

namespace {

bool is_control(ws_opcode op) noexcept { return (static_cast<unsigned>(op) & 0x8) != 0; }

// The header's full length once its first two bytes are in; never a mask key, since
// a masked frame is refused at its second byte.
std::size_t header_length(std::byte second) noexcept {
    const auto len7 = std::to_integer<unsigned>(second) & 0x7f;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
}

}  // namespace

ws_event ws_frame_reader::fail(std::string why) {
    if (problem_.empty()) {
        problem_ = std::move(why);
    }
    return {ws_event::kind::error, 0, {}, message_opcode_, false};
}

std::uint16_t ws_frame_reader::close_code(std::span<const std::byte> payload) noexcept {
    if (payload.size() < 2) {
        return 1005;
    }
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(payload[0]) << 8 |
                                      std::to_integer<unsigned>(payload[1]));
}

ws_event ws_frame_reader::next(std::span<const std::byte> in) {
    if (!problem_.empty()) {
        return fail(problem_);
    }
    if (!in_payload_) {
        std::size_t used = 0;
        while (used < in.size()) {
            const std::size_t want = header_have_ < 2 ? 2 : header_length(header_[1]);
            if (header_have_ == want) {
                break;
            }
            header_[header_have_++] = in[used++];
            // Refused as soon as its second byte is in: a masked frame's header would
            // otherwise wait for four key bytes that may never come.
            if (header_have_ == 2 && (std::to_integer<unsigned>(header_[1]) & 0x80) != 0) {
                return fail("a masked frame from the server (RFC 6455 5.1 forbids it)");
            }
        }
        if (header_have_ < 2 || header_have_ < header_length(header_[1])) {
            return {ws_event::kind::progress, used, {}, message_opcode_, false};
        }
        return finish_header(used);
    }
    if (is_control(frame_opcode_)) {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, in.size()));
        std::copy_n(in.begin(), take, control_.begin() + static_cast<std::ptrdiff_t>(control_have_));
        control_have_ += take;
        payload_left_ -= take;
        if (payload_left_ > 0) {
            return {ws_event::kind::progress, take, {}, frame_opcode_, false};
        }
        in_payload_ = false;
        return {ws_event::kind::control, take, std::span{control_}.first(control_have_),
                frame_opcode_, false};
    }
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, in.size()));
    payload_left_ -= take;
    const bool end = payload_left_ == 0 && frame_final_;
    in_payload_ = payload_left_ > 0;
    in_message_ = !end;
    return {ws_event::kind::data, take, in.first(take), message_opcode_, end};
}

ws_event ws_frame_reader::finish_header(std::size_t used) {
    const auto first = std::to_integer<unsigned>(header_[0]);
    const auto second = std::to_integer<unsigned>(header_[1]);
    header_have_ = 0;
    frame_final_ = (first & 0x80) != 0;
    frame_opcode_ = static_cast<ws_opcode>(first & 0x0f);
    if ((first & 0x70) != 0) {
        return fail("a frame with reserved bits set (no extension was negotiated)");
    }
    std::uint64_t length = second & 0x7f;
    if (length >= 126) {
        const std::size_t n = length == 126 ? 2 : 8;
        length = 0;
        for (std::size_t i = 0; i < n; ++i) {
            length = length << 8 | std::to_integer<unsigned>(header_[2 + i]);
        }
        if (n == 8 && (length >> 63) != 0) {
            return fail("a 64-bit frame length with its top bit set");
        }
    }
    switch (frame_opcode_) {
    case ws_opcode::close:
    case ws_opcode::ping:
    case ws_opcode::pong:
        if (!frame_final_ || length > control_.size()) {
            return fail("a control frame fragmented or over 125 bytes");
        }
        if (frame_opcode_ == ws_opcode::close && length == 1) {
            return fail("a close frame with a 1-byte body (RFC 6455 5.5.1: a code is 2)");
        }
        control_have_ = 0;
        break;
    case ws_opcode::continuation:
        if (!in_message_) {
            return fail("a continuation frame with no message started");
        }
        break;
    case ws_opcode::text:
    case ws_opcode::binary:
        if (in_message_) {
            return fail("a new message before the last one's final fragment");
        }
        message_opcode_ = frame_opcode_;
        break;
    default:
        return fail("a frame with reserved opcode " + std::to_string(first & 0x0f));
    }
    payload_left_ = length;
    in_payload_ = true;
    if (is_control(frame_opcode_) && length == 0) {
        in_payload_ = false;
        return {ws_event::kind::control, used, {}, frame_opcode_, false};
    }
    if (length == 0) {  // an empty data frame: only its finality matters
        in_payload_ = false;
        in_message_ = !frame_final_;
        return {ws_event::kind::data, used, {}, message_opcode_, frame_final_};
    }
    if (!is_control(frame_opcode_)) {
        in_message_ = true;
    }
    return {ws_event::kind::progress, used, {}, frame_opcode_, false};
}

}  // namespace echo::core
