// Why a guard in front of http_parser: Debian builds it without HTTP_PARSER_STRICT,
// so it takes a bare LF for CRLF, joins an obs-fold into the value, reads
// "HTTPx1.1" as HTTP/1.1 and "5 anything" as a chunk of 5, and takes any two bytes
// after a chunk's data for its CRLF. A proxy in front may read any of these
// otherwise, and two readings of one stream is request smuggling. RFC 9112 2.2,
// 3, 5.2 and 7.1 let a server refuse them; so we do, with 400.
#include "core/http_line_guard.hpp"

#include <algorithm>
#include <string_view>

namespace echo::core {

namespace {

bool is_hex(unsigned char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_blank(unsigned char c) noexcept { return c == ' ' || c == '\t'; }

// RFC 9110 5.6.2.
bool is_tchar(unsigned char c) noexcept {
    constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && specials.find(static_cast<char>(c)) != std::string_view::npos);
}

// Control characters but HTAB, as RFC 9110 5.5 keeps them out of field values.
bool is_control(unsigned char c) noexcept { return (c < 0x20 && c != '\t') || c == 0x7f; }

}  // namespace

void http_line_guard::start_fields(bool is_head) noexcept {
    fields_ = true;
    is_head_ = is_head;
    line_start_ = true;
    line_empty_ = true;
    after_cr_ = false;
    line_seen_ = false;
    tail_count_ = 0;
}

void http_line_guard::start_chunk_line(bool after_data) noexcept {
    fields_ = false;
    chunk_ = after_data ? chunk_state::data_cr : chunk_state::size_start;
}

http_line_guard::verdict http_line_guard::request_line_version() const noexcept {
    if (tail_count_ < kVersionSize) {
        return verdict::bad;
    }
    std::array<unsigned char, kVersionSize> last{};
    for (std::size_t i = 0; i < kVersionSize; ++i) {
        last[i] = tail_[(tail_count_ - kVersionSize + i) % kTailSize];
    }
    const auto digit = [](unsigned char c) { return c >= '0' && c <= '9'; };
    constexpr std::string_view prefix = " HTTP/";
    if (!std::equal(prefix.begin(), prefix.end(), last.begin()) || !digit(last[6]) ||
        last[7] != '.' || !digit(last[8])) {
        return verdict::bad;
    }
    // RFC 9110 6.2 would read HTTP/1.9 as 1.1; refusing it leaves no proxy in front a
    // different reading. Nor is HTTP/2.0 on an HTTP/1 connection an HTTP/1.1 request.
    return last[6] == '1' && (last[8] == '0' || last[8] == '1') ? verdict::more
                                                                : verdict::unsupported_version;
}

http_line_guard::result http_line_guard::scan(std::span<const std::byte> bytes) noexcept {
    const bool request_line = fields_ && is_head_ && !line_seen_;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        // Most bytes are inside a line and printable: kept off the per-byte call.
        if (fields_ && !line_start_ && !after_cr_ && c > 0x20 && c != 0x7f) {
            if (request_line && !line_seen_) {
                tail_[tail_count_++ % kTailSize] = c;
            }
            continue;
        }
        const auto v = fields_ ? field_byte(c) : chunk_byte(c);
        if (v == verdict::bad || v == verdict::unsupported_version) {
            return {i, v};
        }
        if (v == verdict::ended) {
            return {i + 1, v};
        }
    }
    return {bytes.size(), verdict::more};
}

http_line_guard::verdict http_line_guard::field_byte(unsigned char c) noexcept {
    if (after_cr_) {
        if (c != '\n') {
            return verdict::bad;
        }
        after_cr_ = false;
        line_start_ = true;
        if (!line_empty_) {
            line_seen_ = true;
            return verdict::more;
        }
        // An empty line ends the section, unless it comes before a request line.
        return line_seen_ || !is_head_ ? verdict::ended : verdict::more;
    }
    if (c == '\n') {
        return verdict::bad;  // a bare LF
    }
    if (c == '\r') {
        if (is_head_ && !line_seen_ && !line_start_) {
            if (const auto v = request_line_version(); v != verdict::more) {
                return v;  // no HTTP/0.9, no "HTTPx1.1", no HTTP/1.9
            }
        }
        after_cr_ = true;
        line_empty_ = line_start_;
        line_start_ = false;
        return verdict::more;
    }
    if ((line_start_ && is_blank(c)) || is_control(c)) {
        return verdict::bad;  // obs-fold, a line that starts with whitespace, a control
    }
    line_start_ = false;
    if (is_head_ && !line_seen_) {
        tail_[tail_count_++ % kTailSize] = c;
    }
    return verdict::more;
}

http_line_guard::verdict http_line_guard::chunk_byte(unsigned char c) noexcept {
    switch (chunk_) {
        case chunk_state::data_cr:
            chunk_ = chunk_state::data_lf;
            return c == '\r' ? verdict::more : verdict::bad;
        case chunk_state::data_lf:
            chunk_ = chunk_state::size_start;
            return c == '\n' ? verdict::more : verdict::bad;
        case chunk_state::size_start:
            if (!is_hex(c)) {
                return verdict::bad;
            }
            chunk_ = chunk_state::size;
            return verdict::more;
        case chunk_state::size:
            // Not even the BWS RFC 9112 7.1.1 allows around ";" and "=": llhttp refuses
            // it, and "5 junk" read as 5 is how the leniency is used.
            if (is_hex(c)) {
                return verdict::more;
            }
            break;
        case chunk_state::name_start:
            if (!is_tchar(c)) {
                return verdict::bad;
            }
            chunk_ = chunk_state::name;
            return verdict::more;
        case chunk_state::name:
            if (is_tchar(c)) {
                return verdict::more;
            }
            if (c == '=') {
                chunk_ = chunk_state::value_start;
                return verdict::more;
            }
            break;
        case chunk_state::value_start:
            if (c == '"') {
                chunk_ = chunk_state::quoted;
            } else if (is_tchar(c)) {
                chunk_ = chunk_state::token_value;
            } else {
                return verdict::bad;
            }
            return verdict::more;
        case chunk_state::token_value:
            if (is_tchar(c)) {
                return verdict::more;
            }
            break;
        case chunk_state::quoted:
            // qdtext and quoted-pair (RFC 9110 5.6.4): no control but HTAB.
            if (c == '"') {
                chunk_ = chunk_state::after_quoted;
            } else if (c == '\\') {
                chunk_ = chunk_state::quoted_pair;
            } else if (is_control(c)) {
                return verdict::bad;
            }
            return verdict::more;
        case chunk_state::quoted_pair:
            if (is_control(c)) {
                return verdict::bad;
            }
            chunk_ = chunk_state::quoted;
            return verdict::more;
        case chunk_state::after_quoted:
            break;
        case chunk_state::cr:
            return c == '\n' ? verdict::ended : verdict::bad;
    }
    // The end of a size, a name or a value: another extension, or the line's end.
    if (c == ';') {
        chunk_ = chunk_state::name_start;
    } else if (c == '\r') {
        chunk_ = chunk_state::cr;
    } else {
        return verdict::bad;
    }
    return verdict::more;
}

}  // namespace echo::core
