// The HTTP echo over HTTP/2 as a connection's application: an nghttp2 server
// session used sans-I/O (bytes in through mem_recv, frames out through mem_send
// into a bounded buffer), each stream answered with the same echo as HTTP/1.1.
#pragma once

#include "core/chunk_list.hpp"
#include "http/http_echo_app.hpp"

#include <map>
#include <memory>
#include <string>

struct nghttp2_session;

namespace echo::http {

// The HTTP/1.1 request that asked for h2c (Upgrade: h2c, HTTP2-Settings): HTTP/2
// goes on after the 101, and this request is answered on stream 1.
struct h2c_upgrade {
    core::http_request request;
    std::string settings;  // HTTP2-Settings, decoded from base64url
};

// What one peer can hold (each bound is checked where it grows):
// - streams: at most kMaxStreams open (SETTINGS_MAX_CONCURRENT_STREAMS, which
//   nghttp2 enforces even before the client acknowledged it); each holds its
//   head (max_head, max_headers), its kept body (body_limit) and then its
//   answer (the echo document of those, a few times their size for escaping;
//   ?size= bodies stream from a static pattern).
// - bodies are paced by HTTP/2 flow control, so an honest client is slowed,
//   never refused: a stream may send kStreamWindow before it is one of the
//   kLeads streams (lowest id first) whose window opens to kLeadWindow and is
//   given back as bytes arrive. Kept bodies: at most kMaxStreams x
//   kStreamWindow + kLeads x body_limit. The connection's window (64 KiB) is
//   given back only while answers and bodies held (held_bytes()) are under
//   kHeldHigh, or when only bodies still coming in are held (nothing else
//   could free room; the stream windows above bound them once the client
//   acknowledged our SETTINGS; one that never does, so that each stream keeps
//   the 64 KiB default, gets kHeldHigh). So with the default body_limit,
//   held_bytes() stays under kHeldHigh + 64 KiB + one answer.
// - answers are made while held_bytes() is under kHeldHigh or none is held;
//   a stream complete past that waits with its head and body, so a client that
//   opens streams and never takes their answers holds about kHeldHigh plus one
//   answer, not kMaxStreams'.
// - output: frames are copied out of nghttp2 up to kOutHigh (plus one frame);
//   while that is not drained, no input is read (wants_input() is false) and the
//   chunks the worker already gave count against --max-buffer (held_chunks()).
// - nghttp2's own queue of frames it owes (SETTINGS and PING acks, RST_STREAM)
//   grows only while input is read, and its flood guards end the session beyond
//   1000 items; RST_STREAM from the client is rate limited (1000 burst, 33/s:
//   the rapid-reset fix, CVE-2023-44487), CONTINUATION frames at 8 per header
//   block, SETTINGS at 32 entries.
// - time: a stream must arrive whole within request_timeout (else 408), a
//   connection with no stream for request_timeout is closed with GOAWAY, and
//   one whose answers wait (unread, or their windows kept shut) while none of
//   their frames goes out for request_timeout is abandoned.
class h2_echo_app final : public pipeline::application {
public:
    // `upgrade`: the connection came through Upgrade: h2c (the 101 is already
    // sent); null: the client starts with the connection preface.
    h2_echo_app(std::shared_ptr<const http_echo_config> config,
                const pipeline::app_context& context, const h2c_upgrade* upgrade = nullptr);
    ~h2_echo_app() override;
    h2_echo_app(const h2_echo_app&) = delete;
    h2_echo_app& operator=(const h2_echo_app&) = delete;

    void on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept override;
    void on_peer_eof(pipeline::time_ns now) noexcept override;
    void on_timer(pipeline::time_ns now) noexcept override;
    // Draining: GOAWAY naming the last stream taken; those are answered, newer
    // ones are not, and the connection ends once they have gone.
    void on_shutdown(pipeline::time_ns now) noexcept override;
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override;
    void on_sent(std::size_t n, pipeline::time_ns now) noexcept override;
    [[nodiscard]] bool wants_input() const noexcept override;
    [[nodiscard]] bool finished() const noexcept override;
    [[nodiscard]] bool abandoned() const noexcept override { return abandoned_; }
    // The earliest delayed answer, stream deadline or idle end: at most
    // kMaxStreams to look at, and streams close inside begin_send() too.
    [[nodiscard]] std::optional<pipeline::time_ns> wake_at() const noexcept override;
    [[nodiscard]] std::size_t held_chunks() const noexcept override { return in_.count(); }
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override { return received_; }
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override { return sent_; }
    [[nodiscard]] std::string_view failure() const noexcept override { return ended_by_; }

    // Answers and kept bodies held over all streams (for tests and the bound above).
    [[nodiscard]] std::size_t held_bytes() const noexcept { return held_; }
    [[nodiscard]] std::size_t open_streams() const noexcept { return streams_.size(); }

    static constexpr std::size_t kMaxStreams = 100;
    static constexpr std::size_t kOutHigh = 64 * 1024;
    static constexpr std::size_t kHeldHigh = 1 << 20;
    static constexpr std::uint32_t kStreamWindow = 4 * 1024;
    static constexpr std::int32_t kLeadWindow = 64 * 1024;
    static constexpr std::size_t kLeads = 4;

    struct stream;  // one request and its answer; defined in the .cpp

private:
    friend struct h2_callbacks;

    void read_input() noexcept;
    void pull_output() noexcept;
    void after_event(pipeline::time_ns now) noexcept;
    void settle();
    [[nodiscard]] bool answer_fits() const noexcept;
    void end_of_head(std::int32_t id, stream& s);
    void answer(std::int32_t id, stream& s);
    void refuse(std::int32_t id, stream& s, int status, over_limit why, std::string_view text);
    void submit(std::int32_t id, stream& s);
    void answer_sent(stream& s) noexcept;
    void log_answer(stream& s) noexcept;
    void forget_request(stream& s) noexcept;
    void recount(stream& s) noexcept;
    void end_gracefully(std::string_view why) noexcept;
    void fail(std::string_view why) noexcept;
    [[nodiscard]] std::size_t pending_out() const noexcept { return out_.size() - out_at_; }

    std::shared_ptr<const http_echo_config> config_;
    core::echo_origin origin_;
    std::string_view listener_;
    std::int64_t wall_offset_ns_;
    pipeline::app_log* log_;
    std::unique_ptr<nghttp2_session, void (*)(nghttp2_session*)> session_;
    std::map<std::int32_t, stream> streams_;
    core::chunk_list in_;
    std::string out_;  // frames copied from nghttp2; sent from out_at_
    std::size_t out_at_ = 0;
    std::size_t held_ = 0;
    std::size_t answers_held_ = 0;     // the answers' part of held_
    std::size_t owed_connection_ = 0;  // DATA bytes not yet given back to the connection's window
    pipeline::time_ns now_ = 0;
    std::optional<pipeline::time_ns> idle_since_;  // no stream open since then
    pipeline::time_ns send_deadline_ = 0;  // an answer's next frame must go out by then
    std::size_t unsent_answers_ = 0;       // submitted, their last frame not yet out
    std::uint64_t received_ = 0;
    std::uint64_t sent_ = 0;
    std::uint32_t answered_ = 0;
    std::string_view ended_by_;
    bool in_flight_ = false;
    bool fatal_ = false;     // the session cannot be used: send what is out_, then close
    bool peer_eof_ = false;
    bool settings_acked_ = false;  // the client acknowledged kStreamWindow
    bool abandoned_ = false;
};

}  // namespace echo::http
