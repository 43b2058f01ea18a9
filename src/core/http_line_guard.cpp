// Why a guard in front of http_parser: it takes a bare LF for CRLF and joins an
// obs-fold into the value, and reads "5 anything" as a chunk of 5; a proxy in front
// may read either differently, and two readings of one stream is request smuggling.
// RFC 9112 2.2, 5.2 and 7.1 let a server refuse them; so we do, with 400.
#include "core/http_line_guard.hpp"

namespace echo::core {

namespace {

bool is_hex(unsigned char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_blank(unsigned char c) noexcept { return c == ' ' || c == '\t'; }

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
}

void http_line_guard::start_chunk_line() noexcept {
    fields_ = false;
    chunk_ = chunk_state::size_start;
}

http_line_guard::result http_line_guard::scan(std::span<const std::byte> bytes) noexcept {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        const auto v = fields_ ? field_byte(c) : chunk_byte(c);
        if (v == verdict::bad) {
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
        after_cr_ = true;
        line_empty_ = line_start_;
        line_start_ = false;
        return verdict::more;
    }
    if (line_start_ && is_blank(c)) {
        return verdict::bad;  // obs-fold, or a line that starts with whitespace
    }
    line_start_ = false;
    return verdict::more;
}

http_line_guard::verdict http_line_guard::chunk_byte(unsigned char c) noexcept {
    switch (chunk_) {
        case chunk_state::size_start:
            if (!is_hex(c)) {
                return verdict::bad;
            }
            chunk_ = chunk_state::size;
            return verdict::more;
        case chunk_state::size:
            // Not even the BWS RFC 9112 7.1.1 allows before ";": llhttp refuses it, and
            // "5 junk" read as 5 is how the leniency is used.
            if (c == ';') {
                chunk_ = chunk_state::extension;
            } else if (c == '\r') {
                chunk_ = chunk_state::cr;
            } else if (!is_hex(c)) {
                return verdict::bad;
            }
            return verdict::more;
        case chunk_state::extension:
            if (c == '\r') {
                chunk_ = chunk_state::cr;
            } else if (is_control(c)) {
                return verdict::bad;
            }
            return verdict::more;
        case chunk_state::cr:
            return c == '\n' ? verdict::ended : verdict::bad;
    }
    return verdict::bad;
}

}  // namespace echo::core
