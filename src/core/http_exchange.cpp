// The request line matters, and of the headers only Authorization, Content-Length
// and Transfer-Encoding; the rest are skipped but bounded, and a request that could not be
// HTTP is refused early instead of read to the limit.
#include "core/http_exchange.hpp"

#include "core/http_field_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace echo::core {

namespace {

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 431: return "Request Header Fields Too Large";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        default: return "Error";
    }
}

bool is_token(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (c < 'A' || c > 'Z') {
            return false;
        }
    }
    return true;
}

// The header lines between the request line and the blank line.
bool read_headers(std::string_view lines, request_line& out) {
    bool has_length = false;
    while (!lines.empty()) {
        const auto end = lines.find("\r\n");
        const auto line = lines.substr(0, end);
        lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            return false;
        }
        const auto name = line.substr(0, colon);
        const auto value = without_ows(line.substr(colon + 1));
        if (equals_ignoring_case(name, "authorization")) {
            out.authorization = std::string{value};
        } else if (equals_ignoring_case(name, "content-length")) {
            std::size_t length = 0;
            const auto* last = value.data() + value.size();
            const auto [ptr, ec] = std::from_chars(value.data(), last, length);
            if (value.empty() || ec != std::errc{} || ptr != last ||
                (has_length && length != out.content_length)) {
                return false;
            }
            has_length = true;
            out.content_length = length;
        } else if (equals_ignoring_case(name, "transfer-encoding")) {
            out.transfer_encoding = true;
        }
    }
    return true;
}

}  // namespace

head_status parse_request_head(std::string_view all_received, request_line& out) {
    // Only the first kMaxRequestHead bytes count, so the verdict does not depend on
    // how the bytes were split into reads: a head that ends beyond the limit is
    // malformed even when it arrived in one piece.
    const std::string_view received = all_received.substr(0, kMaxRequestHead);
    const auto undecided = all_received.size() >= kMaxRequestHead ? head_status::malformed
                                                                  : head_status::incomplete;
    const auto line_end = received.find("\r\n");
    if (line_end == std::string_view::npos) {
        return undecided;
    }
    const std::string_view line = received.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1 || !is_token(line.substr(0, sp1)) ||
        !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
        return head_status::malformed;
    }
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (!target.starts_with('/')) {
        return head_status::malformed;
    }
    const auto blank = received.find("\r\n\r\n");
    if (blank == std::string_view::npos) {
        return undecided;
    }
    if (blank > line_end && !read_headers(received.substr(line_end + 2, blank - line_end - 2), out)) {
        return head_status::malformed;
    }
    out.head_size = blank + 4;
    out.method = std::string{line.substr(0, sp1)};
    out.path = std::string{target.substr(0, target.find('?'))};
    return head_status::complete;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    const auto space = authorization.find(' ');
    if (space == std::string_view::npos || !equals_ignoring_case(authorization.substr(0, space), "bearer")) {
        return std::nullopt;
    }
    return without_ows(authorization.substr(space));
}

std::string serialise(const http_response& r, bool head_only) {
    auto out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                           r.status, reason_phrase(r.status), r.content_type, r.body.size());
    if (!r.www_authenticate.empty()) {
        out += fmt::format("WWW-Authenticate: {}\r\n", r.www_authenticate);
    }
    out += "Connection: close\r\n\r\n";
    if (!head_only) {
        out += r.body;
    }
    return out;
}

}  // namespace echo::core
