// Only the request line matters to us; headers are skipped but bounded, and a
// request that could not be HTTP is refused early instead of read to the limit.
#include "core/http_exchange.hpp"

#include <fmt/format.h>

namespace echo::core {

namespace {

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 431: return "Request Header Fields Too Large";
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
    if (received.find("\r\n\r\n") == std::string_view::npos) {
        return undecided;
    }
    out.method = std::string{line.substr(0, sp1)};
    out.path = std::string{target.substr(0, target.find('?'))};
    return head_status::complete;
}

std::string serialise(const http_response& r, bool head_only) {
    auto out = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        r.status, reason_phrase(r.status), r.content_type, r.body.size());
    if (!head_only) {
        out += r.body;
    }
    return out;
}

}  // namespace echo::core
