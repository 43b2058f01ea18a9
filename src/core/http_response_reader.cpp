// Strict where a lenient client would hide a server's fault (a bad status line, two
// different Content-Lengths), since echo-bench is there to find such faults.
#include "core/http_response_reader.hpp"

#include "core/whole_number.hpp"

#include <algorithm>
#include <string_view>

namespace echo::core {

namespace {

constexpr std::string_view kEnd = "\r\n\r\n";

char lower(char ch) noexcept { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch; }

bool same_name(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// Whether the comma-separated list `value` holds `token`, in any case.
bool has_token(std::string_view value, std::string_view token) noexcept {
    while (!value.empty()) {
        const auto comma = value.find(',');
        if (same_name(trim(value.substr(0, comma)), token)) {
            return true;
        }
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    }
    return false;
}

}  // namespace

http_event http_response_reader::fail(std::string why) {
    if (problem_.empty()) {
        problem_ = std::move(why);
    }
    return {http_event::kind::error, 0, {}, false};
}

http_event http_response_reader::next(std::span<const std::byte> in) {
    if (!problem_.empty() || switched_) {
        return fail(problem_.empty() ? "bytes after a 101 are not HTTP" : problem_);
    }
    if (in_body_) {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, in.size()));
        body_left_ -= take;
        in_body_ = body_left_ > 0;
        return {http_event::kind::body, take, in.first(take), !in_body_};
    }
    // The terminator may straddle the previous input: search from 3 bytes back.
    const std::size_t before = held_.size();
    const std::size_t room = kMaxResponseHead - before;
    held_.append(reinterpret_cast<const char*>(in.data()), std::min(in.size(), room));
    const auto end = held_.find(kEnd, before >= 3 ? before - 3 : 0);
    if (end == std::string::npos) {
        if (held_.size() == kMaxResponseHead) {
            return fail("a response head over " + std::to_string(kMaxResponseHead) + " bytes");
        }
        return {http_event::kind::progress, held_.size() - before, {}, false};
    }
    held_.resize(end + kEnd.size());
    const std::size_t used = held_.size() - before;
    if (!parse_head()) {
        return fail(problem_);
    }
    held_.clear();
    const int s = head_.status;
    if (s == 101) {
        switched_ = true;
        return {http_event::kind::head, used, {}, true};
    }
    if ((s >= 100 && s < 200) || s == 204 || s == 304) {
        return {http_event::kind::head, used, {}, true};
    }
    if (!head_.content_length) {
        return fail("a " + std::to_string(s) +
                    " response without Content-Length (chunked, or until the close): "
                    "not supported");
    }
    body_left_ = *head_.content_length;
    in_body_ = body_left_ > 0;
    return {http_event::kind::head, used, {}, !in_body_};
}

bool http_response_reader::parse_head() {
    head_ = http_response_head{};
    std::string_view rest{held_};
    auto line_end = rest.find("\r\n");
    const std::string_view status_line = rest.substr(0, line_end);
    rest.remove_prefix(line_end + 2);
    // "HTTP/1.1 200 OK": a version, one space, three digits, then a space or the end.
    const bool http10 = status_line.starts_with("HTTP/1.0 ");
    if ((!status_line.starts_with("HTTP/1.1 ") && !http10) || status_line.size() < 12 ||
        (status_line.size() > 12 && status_line[12] != ' ')) {
        problem_ = "a bad status line: '" + std::string{status_line.substr(0, 64)} + "'";
        return false;
    }
    const auto status = whole_number<int>(status_line.substr(9, 3));
    if (!status || *status < 100) {
        problem_ = "a bad status code: '" + std::string{status_line.substr(9, 3)} + "'";
        return false;
    }
    head_.status = *status;
    bool keep_alive = false;
    while (!rest.empty() && rest != "\r\n") {
        line_end = rest.find("\r\n");
        const std::string_view line = rest.substr(0, line_end);
        rest.remove_prefix(line_end + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' ||
            line.front() == '\t' || trim(line.substr(0, colon)).size() != colon) {
            problem_ = "a bad header line: '" + std::string{line.substr(0, 64)} + "'";
            return false;
        }
        const auto name = line.substr(0, colon);
        const auto value = trim(line.substr(colon + 1));
        keep_alive = keep_alive || (same_name(name, "connection") && has_token(value, "keep-alive"));
        if (!take_field(name, value)) {
            return false;
        }
    }
    head_.close = head_.close || (http10 && !keep_alive);
    return true;
}

bool http_response_reader::take_field(std::string_view name, std::string_view value) {
    if (same_name(name, "content-length")) {
        const auto n = whole_number<std::uint64_t>(value);
        if (!n || (head_.content_length && *head_.content_length != *n)) {
            problem_ = "a bad or repeated Content-Length: '" + std::string{value.substr(0, 32)} + "'";
            return false;
        }
        head_.content_length = n;
    } else if (same_name(name, "transfer-encoding")) {
        problem_ = "Transfer-Encoding '" + std::string{value.substr(0, 32)} +
                   "': only Content-Length bodies are supported";
        return false;
    } else if (same_name(name, "connection")) {
        head_.close = head_.close || has_token(value, "close");
        head_.connection_upgrade = head_.connection_upgrade || has_token(value, "upgrade");
    } else if (same_name(name, "upgrade")) {
        head_.upgrade_websocket = head_.upgrade_websocket || has_token(value, "websocket");
    } else if (same_name(name, "sec-websocket-accept")) {
        head_.websocket_accept = std::string{value};
    }
    return true;
}

}  // namespace echo::core
