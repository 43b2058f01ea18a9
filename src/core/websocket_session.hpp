// The server side of a WebSocket connection after its 101 (RFC 6455 §5-7): client
// frames in, the echo out, as bytes. Every message comes back with its opcode and
// payload; pings get pongs; protocol errors close with the code the RFC names.
#pragma once

#include "core/utf8_validator.hpp"
#include "core/websocket_settings.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

struct wslay_frame_context;
struct wslay_frame_iocb;

namespace echo::core {

// open: echoing. closing: the session sent a close (an error, or close()) and
// reads, discarding, until the peer's close. closed: nothing more will be read;
// send output(), then close the connection (the server closes TCP first, §7.1.1).
enum class websocket_state : std::uint8_t { open, closing, closed };

struct websocket_counters {
    std::uint64_t messages = 0;       // data messages whose last frame was echoed
    std::uint64_t message_bytes = 0;  // payload bytes echoed in data frames
    std::uint64_t frames = 0;         // data frames received whole
    std::uint64_t pings = 0;          // answered with a pong
    std::uint64_t pongs = 0;          // unsolicited, ignored
};

// Ownership: the session owns what it holds (held_bytes()) and lends output()
// until the next feed(), on_sent() or close(). Single-threaded: all calls on the
// connection's loop thread. Not movable: the framer calls back into it.
//
// The caller's loop:
//   consumed = feed(bytes)        -- keep bytes[consumed..] and offer them again later
//   send output(), on_sent(n)     -- as the socket takes it
//   while !wants_input(): stop reading (backpressure) until on_sent() drains output
//   state() == closed && output().empty(): close the connection
//   closing: give the peer a deadline (e.g. 5 s) to send its close, then drop it.
// Per input byte, CPU is constant (no quadratic reassembly).
class websocket_session {
public:
    explicit websocket_session(const websocket_settings& settings);
    ~websocket_session();
    websocket_session(const websocket_session&) = delete;
    websocket_session& operator=(const websocket_session&) = delete;

    // Bytes from the client, in order; returns how many were taken: all of them,
    // unless output reached output_high_water (offer the rest after on_sent()) or
    // the session is closed (the rest is never needed).
    std::size_t feed(std::span<const std::byte> bytes) noexcept;

    // Server frames waiting to be sent, oldest first; never masked.
    [[nodiscard]] std::span<const std::byte> output() const noexcept;
    void on_sent(std::size_t n) noexcept;

    // False while output waits over output_high_water, or once closed.
    [[nodiscard]] bool wants_input() const noexcept;

    // The server's own close (1001 at shutdown): sends a close frame with `code`
    // and waits for the peer's. Nothing happens unless open.
    void close(std::uint16_t code) noexcept;

    [[nodiscard]] websocket_state state() const noexcept { return state_; }
    // The code of the close frame this session sent, 0 before then or when its close
    // carried no code (an echo of a codeless close).
    [[nodiscard]] std::uint16_t close_code() const noexcept { return close_code_; }
    // The code of the peer's close frame, 0 before then or when it carried none.
    [[nodiscard]] std::uint16_t peer_close_code() const noexcept { return peer_close_code_; }
    // Why the session failed the connection, for logs and metrics: one of
    // websocket_session_failures(); empty when it did not.
    [[nodiscard]] std::string_view failure() const noexcept { return failure_; }
    [[nodiscard]] const websocket_counters& counters() const noexcept { return counters_; }

    // What the session holds in memory, buffers' capacities and the framer's own
    // input buffer included; never more than max_held_bytes(settings).
    [[nodiscard]] std::size_t held_bytes() const noexcept;
    [[nodiscard]] static std::size_t max_held_bytes(const websocket_settings& settings) noexcept;

private:
    enum class frame_use : std::uint8_t { data, control, discard };

    void on_chunk(const wslay_frame_iocb& chunk) noexcept;
    void start_frame(const wslay_frame_iocb& chunk) noexcept;
    void end_frame() noexcept;
    void end_data_frame() noexcept;
    void end_control_frame() noexcept;
    void on_peer_close(std::span<const std::byte> payload) noexcept;
    void fail(std::uint16_t code, std::string_view failure) noexcept;
    void send_close(std::uint16_t code, std::span<const std::byte> payload) noexcept;
    void send_frame(std::uint8_t opcode, bool fin, std::span<const std::byte> payload) noexcept;
    void append_output(std::span<const std::byte> bytes) noexcept;
    void append_payload(std::span<const std::byte> bytes) noexcept;
    [[nodiscard]] std::size_t pending_output() const noexcept { return output_.size() - sent_; }
    void release_payload() noexcept;

    friend struct websocket_framer_io;

    websocket_settings settings_;
    wslay_frame_context* framer_ = nullptr;
    websocket_state state_ = websocket_state::open;

    std::span<const std::byte> input_;  // the part of feed()'s bytes not yet taken
    std::size_t taken_ = 0;

    // The frame being read.
    frame_use use_ = frame_use::discard;
    bool in_frame_ = false;
    bool frame_fin_ = false;
    std::uint8_t frame_opcode_ = 0;
    std::uint64_t frame_left_ = 0;

    // The data message being read: its payload so far (with echo_frames, the
    // current frame's), and its text check across frames.
    bool in_message_ = false;
    std::uint8_t message_opcode_ = 0;
    std::vector<std::byte> payload_;
    utf8_validator utf8_;

    std::array<std::byte, 125> control_{};  // a control frame's payload (§5.5: <= 125)
    std::size_t control_size_ = 0;

    std::vector<std::byte> output_;
    std::size_t sent_ = 0;  // output_[0, sent_) is gone

    std::uint16_t close_code_ = 0;
    std::uint16_t peer_close_code_ = 0;
    std::string_view failure_;
    websocket_counters counters_;
};

// Every name failure() gives, for metrics labels.
[[nodiscard]] std::span<const std::string_view> websocket_session_failures() noexcept;

// True for a close code a peer may send (§7.4): 1000-1003, 1007-1014 (IANA's
// registry) and 3000-4999. 1004-1006 and 1015 are reserved, the rest unassigned.
[[nodiscard]] bool valid_close_code(std::uint16_t code) noexcept;

}  // namespace echo::core
