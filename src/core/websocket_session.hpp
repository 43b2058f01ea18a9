// The server side of a WebSocket connection after its 101 (RFC 6455 §5-7): client
// frames in, the echo out, as bytes. Every message comes back with its opcode and
// payload; pings get pongs; protocol errors close with the code the RFC names.
#pragma once

#include "core/utf8_validator.hpp"
#include "core/websocket_settings.hpp"
#include "core/ws_frame_head.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

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
// connection's loop thread.
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
    explicit websocket_session(const websocket_settings& settings) : settings_(settings) {}

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

    // What the session holds in memory beyond its own size: its buffers'
    // capacities; never more than max_held_bytes(settings).
    [[nodiscard]] std::size_t held_bytes() const noexcept;
    [[nodiscard]] static std::size_t max_held_bytes(const websocket_settings& settings) noexcept;

private:
    // data: gathered into payload_. echo: echoed as one frame, unmasked straight
    // into the output as it comes and shown once whole. control: into control_.
    enum class frame_use : std::uint8_t { data, echo, control, discard };

    void start_frame(const ws_frame_head& head) noexcept;
    [[nodiscard]] std::size_t read_payload(std::span<const std::byte> bytes) noexcept;
    void write_echo(std::span<const std::byte> masked) noexcept;
    void end_frame() noexcept;
    void end_data_frame() noexcept;
    void end_echo_frame() noexcept;
    void count_echoed(std::size_t bytes) noexcept;
    void end_control_frame() noexcept;
    void on_peer_close(std::span<const std::byte> payload) noexcept;
    void fail(std::uint16_t code, std::string_view failure) noexcept;
    void send_close(std::uint16_t code, std::span<const std::byte> payload) noexcept;
    void send_frame(std::uint8_t opcode, bool fin, std::span<const std::byte> payload) noexcept;
    void write_head(std::uint8_t opcode, bool fin, std::size_t size) noexcept;
    void drop_frame() noexcept;
    void grow_output(std::size_t more) noexcept;
    void append_payload(std::span<const std::byte> masked) noexcept;
    [[nodiscard]] std::size_t pending_output() const noexcept { return ready_ - sent_; }
    void release_payload() noexcept;

    websocket_settings settings_;
    websocket_state state_ = websocket_state::open;

    // The frame being read: its head until in_frame_, then its payload.
    ws_frame_head_reader head_;
    frame_use use_ = frame_use::discard;
    bool in_frame_ = false;
    bool frame_fin_ = false;
    std::uint8_t frame_opcode_ = 0;
    ws_mask_key key_{};
    std::uint64_t frame_read_ = 0;  // payload bytes of it taken so far
    std::uint64_t frame_left_ = 0;

    // The data message being read: the fragments gathered so far when it is echoed
    // whole (empty with echo_frames, where each frame is its own echo), and its
    // text check across frames.
    bool in_message_ = false;
    std::uint8_t message_opcode_ = 0;
    std::vector<std::byte> payload_;
    utf8_validator utf8_;

    std::array<std::byte, 125> control_{};  // a control frame's payload (§5.5: <= 125)
    std::size_t control_size_ = 0;

    std::vector<std::byte> output_;
    std::size_t sent_ = 0;   // output_[0, sent_) is gone
    std::size_t ready_ = 0;  // output_[sent_, ready_) is output(); past it, the frame being echoed

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
