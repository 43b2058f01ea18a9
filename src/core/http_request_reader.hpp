// Reads HTTP/1.x requests from a byte stream, one at a time, without I/O: bytes go
// in as they arrive (any split), a request comes out whole, or a status to fail
// with (400, 405, 413, 431, 505). Over Debian's http_parser 2.9 (see the .cpp for
// why), with http_line_guard where that parser is lenient.
#pragma once

#include "core/http_body_keeper.hpp"
#include "core/http_limits.hpp"
#include "core/http_line_guard.hpp"
#include "core/http_request.hpp"

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace echo::core {

// Why a request was refused, with its status.
enum class http_refusal : std::uint8_t {
    malformed,        // 400
    head_too_large,   // 431
    too_many_headers, // 431
    body_too_large,   // 413
    method_not_allowed,     // 405: CONNECT, as the echo is no proxy
    version_not_supported,  // 505: anything but HTTP/1.0 and HTTP/1.1
    bad_host,         // 400: no Host in HTTP/1.1, two Host lines, or an invalid value
};
inline constexpr std::size_t kHttpRefusals = 7;
[[nodiscard]] int status_of(http_refusal r) noexcept;
[[nodiscard]] const char* name_of(http_refusal r) noexcept;

// What one peer can make it hold: max_head bytes of head (plus one string and
// vector entry per header, at most max_headers), body_limit bytes of body, and
// a SHA-256 context once a body passes body_limit. Nothing else grows: a head
// over a limit is counted, not kept, until it ends (or http_parser's own 80 KiB
// cap ends it) and is refused.
class http_request_reader {
public:
    enum class state : std::uint8_t {
        idle,     // no byte of the next request yet
        reading,  // part of a request arrived
        ready,    // request() is complete; call next() to read on
        failed,   // refusal() says why; nothing more is read
    };

    explicit http_request_reader(const http_limits& limits);
    ~http_request_reader();
    http_request_reader(const http_request_reader&) = delete;
    http_request_reader& operator=(const http_request_reader&) = delete;

    // Reads from `bytes` and returns how many it used: all of them, unless a
    // request became ready (the rest is the next request's) or the reader failed.
    std::size_t feed(std::span<const std::byte> bytes, std::int64_t now);
    // The peer ended: a request cut short is malformed.
    void feed_eof(std::int64_t now);
    // After `ready`: forget the request and read the next one.
    void next() noexcept;

    [[nodiscard]] state current() const noexcept { return state_; }
    [[nodiscard]] const http_request& request() const noexcept { return request_; }
    [[nodiscard]] http_refusal refusal() const noexcept { return refusal_; }
    // The head asked for 100-continue and is complete, its body not yet begun.
    // True once per request: the caller sends the interim response then.
    [[nodiscard]] bool take_continue() noexcept;
    // The head is complete (the request may still be reading its body).
    [[nodiscard]] bool head_complete() const noexcept { return head_done_; }

private:
    static int on_message_begin(http_parser* p);
    static int on_url(http_parser* p, const char* at, std::size_t n);
    static int on_header_field(http_parser* p, const char* at, std::size_t n);
    static int on_header_value(http_parser* p, const char* at, std::size_t n);
    static int on_headers_complete(http_parser* p);
    static int on_body(http_parser* p, const char* at, std::size_t n);
    static int on_message_complete(http_parser* p);
    static int on_chunk_header(http_parser* p);
    static const http_parser_settings& settings() noexcept;
    static http_request_reader& self(http_parser* p) noexcept {
        return *static_cast<http_request_reader*>(p->data);
    }

    [[nodiscard]] bool count_head(std::size_t n) noexcept;
    int refuse(http_refusal r) noexcept;
    // The head, or the head with its trailers, past a limit: refused at its end.
    int refuse_head_over_limits() noexcept;
    void reset_request() noexcept;
    // The guard's verdict on the bytes the parser was given, once it has read them.
    void check_lines(http_line_guard::verdict v, bool section_open) noexcept;
    // RFC 9112 5.1: a field value ends without its trailing whitespace.
    void trim_last_value() noexcept;

    http_limits limits_;
    http_parser parser_{};
    http_request request_;
    std::size_t head_bytes_ = 0;
    std::size_t header_count_ = 0;
    std::int64_t now_ = 0;
    http_body_keeper body_;
    http_line_guard lines_;
    // What the parser reads next, and so what lines_ checks: the body and chunk
    // data go to the parser unchecked, the data chunk_left_ bytes at a time.
    enum class section : std::uint8_t { head, body, chunk_line, chunk_data, trailers };
    section section_ = section::head;
    std::uint64_t chunk_left_ = 0;
    std::size_t head_fields_ = 0;  // request_.headers before the trailers
    state state_ = state::idle;
    http_refusal refusal_ = http_refusal::malformed;
    bool in_value_ = false;       // the last header callback was a value
    bool head_done_ = false;
    bool continue_pending_ = false;
    bool restart_ = false;        // the parser stopped at an upgrade: start it afresh
};

}  // namespace echo::core
