// Holds an HTTP/1 request's lines to RFC 9112 where http_parser 2.9 (as Debian
// builds it, not strict) is lenient: every line of the head and trailers ends in
// CRLF (no bare LF, no obs-fold) and holds no control character but HTAB; the
// request line ends in " HTTP/d.d"; a chunk's data is followed by CRLF, and a
// chunk-size line is hex digits, then extensions (;name or ;name=value, a token or
// a quoted string, no whitespace around them) or nothing, then CRLF.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::core {

// Sans-I/O, over any split of the bytes; holds a few flags, nothing grows.
class http_line_guard {
public:
    enum class verdict : std::uint8_t {
        more,   // all bytes read, the section goes on
        ended,  // the section ended with the last byte read
        bad,    // the byte after the last one read breaks the syntax
        unsupported_version,  // the request line ends (next byte) with neither 1.0 nor 1.1
    };
    struct result {
        std::size_t used;
        verdict outcome;
    };

    // A field section up to its empty line: a request's head (empty lines before
    // the request line skipped, RFC 9112 2.2) or the trailers after the last chunk.
    void start_fields(bool is_head) noexcept;
    // One chunk-size line, up to and including its LF; after a chunk's data, the
    // CRLF that ends the data first.
    void start_chunk_line(bool after_data) noexcept;

    // Reads `bytes` until the section ends, a byte breaks it, or they run out.
    [[nodiscard]] result scan(std::span<const std::byte> bytes) noexcept;

private:
    enum class chunk_state : std::uint8_t {
        data_cr, data_lf, size_start, size,
        name_start, name, value_start, token_value, quoted, quoted_pair, after_quoted, cr,
    };
    static constexpr std::size_t kVersionSize = 9;  // " HTTP/1.1"
    static constexpr std::size_t kTailSize = 16;    // a power of two: no division per byte

    // The request line read so far ends in " HTTP/d.d": bad, supported or not.
    [[nodiscard]] verdict request_line_version() const noexcept;

    [[nodiscard]] verdict field_byte(unsigned char c) noexcept;
    [[nodiscard]] verdict chunk_byte(unsigned char c) noexcept;

    bool fields_ = true;         // else a chunk-size line
    bool is_head_ = true;
    bool line_start_ = true;
    bool line_empty_ = true;     // the CR just read began its line
    bool after_cr_ = false;
    bool line_seen_ = false;     // a non-empty line of this section was read
    // The request line's last bytes, as a ring: where its version is.
    std::array<unsigned char, kTailSize> tail_{};
    std::size_t tail_count_ = 0;
    chunk_state chunk_ = chunk_state::size_start;
};

}  // namespace echo::core
