// The WebSocket key comes from OpenSSL's CSPRNG, as RFC 6455 4.1 asks; the masking
// keys from a xorshift seeded by it, one per connection: a fresh CSPRNG draw per
// frame would cost more than the echo, and masking guards against a script in a
// browser steering a proxy's cache, which a load generator is not.
#include "loadgen/message_codec.hpp"

#include "net/setup_error.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <charconv>
#include <cstring>

namespace echo::loadgen {

namespace {

constexpr std::string_view kWebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::span<const std::byte> bytes_of(std::string_view s) noexcept {
    return std::as_bytes(std::span{s.data(), s.size()});
}

std::string base64(std::span<const unsigned char> in) {
    std::string out(4 * ((in.size() + 2) / 3), '\0');
    ::EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), in.data(),
                      static_cast<int>(in.size()));
    return out;
}

void random_bytes(std::span<unsigned char> into) {
    if (::RAND_bytes(into.data(), static_cast<int>(into.size())) != 1) {
        throw net::setup_error("RAND_bytes: OpenSSL's random generator failed");
    }
}

// What the Host header names: the target as the URL wrote it.
std::string host_header(const core::target_url& t) {
    const bool v6 = t.host.find(':') != std::string::npos;
    return (v6 ? "[" : "") + t.host + (v6 ? "]" : "") + ":" + std::to_string(t.port);
}

}  // namespace

std::string websocket_accept(std::string_view key) {
    const std::string joined = std::string{key} + std::string{kWebSocketGuid};
    std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
    ::SHA1(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), digest.data());
    return base64(digest);
}

message_codec::message_codec(const bench_config& config)
    : config_(&config),
      kind_(config.target.application == "http" ? kind::http
            : config.target.application == "ws" ? kind::websocket
                                                 : kind::raw),
      mask_state_(1) {
    if (kind_ == kind::http) {
        request_prefix_ = "POST " + config.http.request_target + " HTTP/1.1\r\nHost: " +
                          host_header(config.target) + "\r\nContent-Length: ";
    }
}

void message_codec::start() {
    out_.clear();
    out_sent_ = 0;
    early_.clear();
    frames_ = {};
    responses_ = {};
    close_sent_ = peer_closed_ = false;
    if (kind_ != kind::websocket) {
        return;
    }
    std::array<unsigned char, 16> key{};
    random_bytes(key);
    std::array<unsigned char, sizeof mask_state_> seed{};
    random_bytes(seed);
    std::memcpy(&mask_state_, seed.data(), seed.size());
    mask_state_ |= 1;  // xorshift never leaves zero
    message_started_ = false;
    const std::string key_text = base64(key);
    expected_accept_ = websocket_accept(key_text);
    append(bytes_of("GET " + config_->http.request_target + " HTTP/1.1\r\nHost: " +
                    host_header(config_->target) +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
                    key_text + "\r\nSec-WebSocket-Version: 13\r\n\r\n"));
}

message_codec::handshake_step message_codec::handshake(std::span<const std::byte> got,
                                                       std::string& problem) {
    while (!got.empty()) {
        const auto e = responses_.next(got);
        got = got.subspan(e.used);
        if (e.what == core::http_event::kind::error) {
            problem = "WebSocket upgrade: " + responses_.problem();
            return handshake_step::failed;
        }
        if (e.what != core::http_event::kind::head) {
            continue;
        }
        const auto& h = responses_.head();
        if (h.status != 101) {
            problem = "WebSocket upgrade answered with status " + std::to_string(h.status) +
                      " (101 expected)";
            return handshake_step::failed;
        }
        if (!h.upgrade_websocket || !h.connection_upgrade) {
            problem = "WebSocket upgrade: the 101 lacks Upgrade: websocket or Connection: upgrade";
            return handshake_step::failed;
        }
        if (h.websocket_accept != expected_accept_) {
            problem = "WebSocket upgrade: Sec-WebSocket-Accept '" + h.websocket_accept.substr(0, 64) +
                      "' does not answer the key (expected '" + expected_accept_ + "')";
            return handshake_step::failed;
        }
        early_.assign(got.begin(), got.end());
        return handshake_step::done;
    }
    return handshake_step::more;
}

void message_codec::append(std::span<const std::byte> bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
}

void message_codec::on_sent(std::size_t n) noexcept {
    out_sent_ += n;
    if (out_sent_ == out_.size()) {
        out_.clear();
        out_sent_ = 0;
    }
}

core::ws_mask_key message_codec::next_mask() noexcept {
    mask_state_ ^= mask_state_ << 13;
    mask_state_ ^= mask_state_ >> 7;
    mask_state_ ^= mask_state_ << 17;
    core::ws_mask_key key;
    std::memcpy(key.data(), &mask_state_, key.size());
    return key;
}

void message_codec::append_frame(core::ws_opcode opcode,
                                 std::span<const std::span<const std::byte>> parts,
                                 std::size_t size, std::byte keep) {
    const auto key = next_mask();
    std::array<std::byte, core::kMaxClientFrameHeader> header;
    const std::size_t hlen = core::write_client_frame_header(header, opcode, size, key);
    append(std::span{header}.first(hlen));
    std::size_t at = out_.size(), offset = 0;
    out_.resize(at + size);
    for (const auto part : parts) {
        core::copy_masked(part, std::span{out_}.subspan(at, part.size()), key, offset, keep);
        at += part.size();
        offset += part.size();
    }
}

void message_codec::wrap(core::echo_expectation& expect, std::uint32_t size) {
    if (kind_ == kind::raw) {
        return;
    }
    // A message is its 16-byte header and its body: two spans.
    std::array<std::span<const std::byte>, 2> parts;
    const std::size_t count = expect.next_to_send(parts);
    const auto used = std::span{parts}.first(count);
    if (kind_ == kind::websocket) {
        append_frame(text() ? core::ws_opcode::text : core::ws_opcode::binary, used, size,
                     text() ? std::byte{0x7f} : std::byte{0xff});
    } else {
        std::array<char, 16> digits;
        const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), size).ptr;
        append(bytes_of(request_prefix_));
        append(bytes_of({digits.data(), static_cast<std::size_t>(end - digits.data())}));
        append(bytes_of("\r\n\r\n"));
        for (const auto part : used) {
            append(part);
        }
    }
    expect.on_sent(size);
}

void message_codec::close(std::uint16_t code) {
    const std::array<std::byte, 2> payload{static_cast<std::byte>(code >> 8),
                                           static_cast<std::byte>(code)};
    const std::array<std::span<const std::byte>, 1> parts{payload};
    append_frame(core::ws_opcode::close, parts, payload.size(), std::byte{0xff});
    close_sent_ = true;
}

codec_verdict message_codec::on_ws_data(const core::ws_event& e,
                                        core::echo_expectation& expect) {
    const auto sent = text() ? core::ws_opcode::text : core::ws_opcode::binary;
    if (e.opcode != sent) {
        return {codec_fault::mismatch, std::string{"a "} +
                                           (sent == core::ws_opcode::text ? "text" : "binary") +
                                           " message echoed with another opcode"};
    }
    if (expect.in_flight() == 0 && !e.payload.empty()) {
        return {codec_fault::protocol, "a WebSocket message while none was owed"};
    }
    // Empty fragments may stand anywhere in a message: only bytes mark its start.
    if (e.payload.size() > expect.front_left() ||
        (message_started_ && !e.payload.empty() && !expect.front_started())) {
        return {codec_fault::mismatch, "a WebSocket message longer than the " +
                                           std::to_string(expect.front_left()) +
                                           " bytes still owed of the one sent"};
    }
    if (e.message_end && e.payload.empty() && !message_started_) {
        return {codec_fault::mismatch, "an empty WebSocket message (none was sent)"};
    }
    message_started_ = !e.message_end && (message_started_ || !e.payload.empty());
    return {};
}

codec_verdict message_codec::on_ws_control(const core::ws_event& e,
                                           const core::echo_expectation& expect) {
    if (e.opcode == core::ws_opcode::ping && !close_sent_) {
        const std::array<std::span<const std::byte>, 1> parts{e.payload};
        append_frame(core::ws_opcode::pong, parts, e.payload.size(), std::byte{0xff});
    }
    if (e.opcode != core::ws_opcode::close) {
        return {};
    }
    peer_closed_ = true;
    if (close_sent_) {
        return {};
    }
    return {codec_fault::early_close,
            "the server closed the WebSocket (code " +
                std::to_string(core::ws_frame_reader::close_code(e.payload)) + ") with " +
                std::to_string(expect.in_flight()) + " messages owed"};
}

codec_verdict message_codec::on_http_head(bool response_end, const core::echo_expectation& expect) {
    const auto& h = responses_.head();
    if (h.status == 101) {
        return {codec_fault::protocol, "HTTP: a 101 to a POST"};
    }
    if (expect.in_flight() == 0) {
        return {codec_fault::protocol, "HTTP: a response with no request owed"};
    }
    if (h.status < 200 || h.status > 299) {
        return {codec_fault::status, "HTTP status " + std::to_string(h.status) +
                                         " (2xx expected) to a " +
                                         std::to_string(expect.front_left()) + "-byte POST"};
    }
    const std::uint64_t length = response_end ? 0 : h.content_length.value_or(0);
    if (config_->http.verify_body && length != expect.front_left()) {
        return {codec_fault::mismatch, "HTTP: a body of " + std::to_string(length) +
                                           " bytes echoing a " +
                                           std::to_string(expect.front_left()) + "-byte POST"};
    }
    return {};
}

}  // namespace echo::loadgen
