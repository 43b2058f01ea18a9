// Why http_parser (libhttp-parser-dev 2.9.4): it is in Debian 12 (llhttp is not),
// streams with callbacks over whatever split the bytes arrive in, never allocates
// or touches I/O, and rejects the request-smuggling shapes (Content-Length beside
// chunked, repeated Content-Length). picohttpparser (in libh2o-dev) re-parses the
// whole head on every read and has no body decoder; Boost.Beast's parser pulls in
// Boost.Asio's buffer model. Its own 80 KiB head cap stands behind max_head.
//
// One request at a time: on_message_complete pauses the parser, so pipelined
// bytes stay with the caller until next(), and the answer to one request is
// queued before the next is read.
//
// http_parser is lenient where a proxy in front may not be (see http_line_guard):
// lines_ reads each head, chunk-size line and trailer section before the parser
// does, the parser is handed no byte past the section's end, and chunk data goes
// to it chunk by chunk, so no line the guard refuses ever reaches it.
#include "core/http_request_reader.hpp"

#include "core/http_host_field.hpp"

#include <algorithm>
#include <climits>

namespace echo::core {

int status_of(http_refusal r) noexcept {
    constexpr int statuses[kHttpRefusals] = {400, 431, 431, 413, 405, 505, 400};
    return statuses[static_cast<std::size_t>(r)];
}

const char* name_of(http_refusal r) noexcept {
    constexpr const char* names[kHttpRefusals] = {
        "malformed",          "head_too_large",        "too_many_headers", "body_too_large",
        "method_not_allowed", "version_not_supported", "bad_host"};
    return names[static_cast<std::size_t>(r)];
}

http_request_reader::http_request_reader(const http_limits& limits) : limits_(limits) {
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
}

http_request_reader::~http_request_reader() = default;

std::size_t http_request_reader::feed(std::span<const std::byte> bytes, std::int64_t now) {
    if (state_ == state::ready || state_ == state::failed || bytes.empty()) {
        return 0;
    }
    now_ = now;
    std::size_t used = 0;
    while (used < bytes.size() && state_ != state::ready && state_ != state::failed) {
        const auto rest = bytes.subspan(used);
        const auto was = section_;
        auto scan = http_line_guard::result{rest.size(), http_line_guard::verdict::more};
        if (was == section::chunk_data) {
            scan.used = static_cast<std::size_t>(std::min<std::uint64_t>(rest.size(), chunk_left_));
        } else if (was != section::body) {
            scan = lines_.scan(rest);
        }
        std::size_t n = 0;
        if (scan.used > 0) {  // no bytes would tell the parser the stream ended
            n = http_parser_execute(&parser_, &settings(), reinterpret_cast<const char*>(rest.data()),
                                    scan.used);
            used += n;
        }
        if (state_ == state::ready || state_ == state::failed) {
            break;
        }
        const auto error = HTTP_PARSER_ERRNO(&parser_);
        if (error != HPE_OK) {
            // The parser's own verdicts; its head cap is a head too large.
            state_ = state::failed;
            refusal_ = error == HPE_HEADER_OVERFLOW ? http_refusal::head_too_large
                                                    : http_refusal::malformed;
            break;
        }
        if (was == section::chunk_data && (chunk_left_ -= n) == 0) {
            section_ = section::chunk_line;
            lines_.start_chunk_line(true);
        }
        check_lines(scan.outcome, section_ == was);
    }
    return used;
}

// The guard refused the next byte, or its section ended where the parser's did not:
// either way the two would read the stream apart, so neither reading is taken.
void http_request_reader::check_lines(http_line_guard::verdict v, bool section_open) noexcept {
    if (v == http_line_guard::verdict::unsupported_version) {
        (void)refuse(http_refusal::version_not_supported);
    } else if (v == http_line_guard::verdict::bad ||
               (v == http_line_guard::verdict::ended && section_open)) {
        (void)refuse(http_refusal::malformed);
    }
}

void http_request_reader::trim_last_value() noexcept {
    if (request_.headers.empty()) {
        return;
    }
    auto& value = request_.headers.back().value;
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.pop_back();
    }
}

void http_request_reader::feed_eof(std::int64_t now) {
    if (state_ != state::reading) {
        return;
    }
    now_ = now;
    http_parser_execute(&parser_, &settings(), nullptr, 0);
    if (state_ == state::reading) {
        state_ = state::failed;
        refusal_ = http_refusal::malformed;
    }
}

void http_request_reader::next() noexcept {
    if (state_ != state::ready) {
        return;
    }
    reset_request();
    state_ = state::idle;
    if (restart_) {
        // After an upgrade the parser takes the rest for another protocol; when
        // nobody took the connection over, it is read as HTTP again.
        http_parser_init(&parser_, HTTP_REQUEST);
        parser_.data = this;
        restart_ = false;
    } else {
        http_parser_pause(&parser_, 0);
    }
}

bool http_request_reader::take_continue() noexcept {
    const bool wanted = continue_pending_;
    continue_pending_ = false;
    return wanted;
}

void http_request_reader::reset_request() noexcept {
    request_.target.clear();
    request_.path = {};
    request_.query = {};
    request_.headers.clear();
    request_.body.clear();
    request_.body_kept = true;
    request_.body_size = 0;
    request_.keep_alive = true;
    request_.chunked = false;
    request_.expect_continue = false;
    request_.upgrade = false;
    head_bytes_ = 0;
    header_count_ = 0;
    in_value_ = false;
    head_done_ = false;
    continue_pending_ = false;
    section_ = section::head;
    chunk_left_ = 0;
    head_fields_ = 0;
    lines_.start_fields(true);
}

// Stored only while the head is within both limits; counted always. A head over
// a limit is refused at its end (on_headers_complete), not at the fragment that
// crossed it: which fragments the parser reports depends on how the bytes were
// split, and a malformed head must be refused as malformed at every split.
bool http_request_reader::count_head(std::size_t n) noexcept {
    head_bytes_ += n;
    return head_bytes_ <= limits_.max_head && header_count_ <= limits_.max_headers;
}

int http_request_reader::refuse(http_refusal r) noexcept {
    state_ = state::failed;
    refusal_ = r;
    return 1;  // stops the parser
}

int http_request_reader::refuse_head_over_limits() noexcept {
    if (head_bytes_ > limits_.max_head) {
        return refuse(http_refusal::head_too_large);
    }
    if (header_count_ > limits_.max_headers) {
        return refuse(http_refusal::too_many_headers);
    }
    return 0;
}

int http_request_reader::on_message_begin(http_parser* p) {
    auto& r = self(p);
    r.state_ = state::reading;
    r.request_.started_ns = r.now_;
    return 0;
}

int http_request_reader::on_url(http_parser* p, const char* at, std::size_t n) {
    auto& r = self(p);
    // Not strict, http_parser lets bytes over 0x7f, HTAB and FF into the target;
    // RFC 9112 3.2 has none of them.
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(at[i]);
        if (c <= ' ' || c >= 0x7f) {
            return r.refuse(http_refusal::malformed);
        }
    }
    if (r.count_head(n)) {
        r.request_.target.append(at, n);
    }
    return 0;
}

int http_request_reader::on_header_field(http_parser* p, const char* at, std::size_t n) {
    auto& r = self(p);
    // http_parser (not strict) lets a space into a name, and still takes
    // "Transfer-Encoding :" for the framing header that a proxy in front may not:
    // RFC 9112 5.1 has such a request refused, which leaves no two readings.
    if (std::string_view{at, n}.find_first_of(" \t") != std::string_view::npos) {
        return r.refuse(http_refusal::malformed);
    }
    if (r.header_count_ == 0 || r.in_value_) {
        r.trim_last_value();
        ++r.header_count_;
        r.in_value_ = false;
        if (r.count_head(0)) {
            r.request_.headers.emplace_back();
        }
    }
    if (r.count_head(n)) {
        r.request_.headers.back().name.append(at, n);
    }
    return 0;
}

int http_request_reader::on_header_value(http_parser* p, const char* at, std::size_t n) {
    auto& r = self(p);
    r.in_value_ = true;
    if (r.count_head(n)) {
        r.request_.headers.back().value.append(at, n);
    }
    return 0;
}

int http_request_reader::on_headers_complete(http_parser* p) {
    auto& r = self(p);
    auto& q = r.request_;
    if (r.refuse_head_over_limits() != 0) {
        return 1;
    }
    r.trim_last_value();
    q.head_ns = r.now_;
    q.method = http_method_str(static_cast<http_method>(p->method));
    q.version_major = p->http_major;
    q.version_minor = p->http_minor;
    // RFC 9112 3.2, before the method: a head without one good Host is malformed
    // whatever it asks. Only the head's fields: trailers come after the routing.
    if (!host_fields_acceptable(q.headers, q.version_minor >= 1)) {
        return r.refuse(http_refusal::bad_host);
    }
    // CONNECT asks for a tunnel, and http_parser hands what follows the head (a body
    // too) to another protocol: the echo is no proxy, so it is refused and closed.
    if (p->method == HTTP_CONNECT) {
        return r.refuse(http_refusal::method_not_allowed);
    }
    // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 request is faulty framing (a
    // 1.0 hop in front would read its end elsewhere), so whatever it asked, the
    // connection closes after the answer and nothing after the body is read as a
    // request.
    const bool faulty_framing = q.version_minor == 0 && q.find("Transfer-Encoding") != nullptr;
    q.keep_alive = http_should_keep_alive(p) != 0 && !faulty_framing;
    q.chunked = (p->flags & F_CHUNKED) != 0;
    q.upgrade = p->upgrade != 0;
    const auto question = q.target.find('?');
    const std::string_view target = q.target;
    q.path = target.substr(0, question);
    q.query = question == std::string::npos ? std::string_view{} : target.substr(question + 1);
    const auto* expect = q.find("Expect");
    q.expect_continue = expect != nullptr && equals_ignoring_case(expect->value, "100-continue");
    const bool has_body = q.chunked || (p->content_length > 0 && p->content_length != ULLONG_MAX);
    if (!q.chunked && p->content_length != ULLONG_MAX && p->content_length > r.limits_.max_body) {
        return r.refuse(http_refusal::body_too_large);  // before the client sends it
    }
    r.head_done_ = true;
    r.continue_pending_ = q.expect_continue && has_body && q.version_minor >= 1;
    r.section_ = q.chunked ? section::chunk_line : section::body;
    if (q.chunked) {
        r.lines_.start_chunk_line(false);
    }
    r.head_fields_ = q.headers.size();
    return 0;
}

int http_request_reader::on_body(http_parser* p, const char* at, std::size_t n) {
    auto& r = self(p);
    auto& q = r.request_;
    r.continue_pending_ = false;  // the client did not wait for it
    if (!r.body_.add(q, {at, n}, r.limits_)) {
        return r.refuse(http_refusal::body_too_large);
    }
    return 0;
}

int http_request_reader::on_message_complete(http_parser* p) {
    auto& r = self(p);
    auto& q = r.request_;
    if (r.state_ == state::failed) {
        return 1;
    }
    // Trailers are fields too, counted into the same head: past a limit they
    // would be dropped unseen, and the echo would show a request that was not sent.
    if (r.refuse_head_over_limits() != 0) {
        return 1;
    }
    r.trim_last_value();  // of the last trailer
    // Framing in the trailers comes after the framing was used: RFC 9110 6.5.1
    // forbids it, and a reader that merged it into the head would frame otherwise.
    for (std::size_t i = r.head_fields_; i < q.headers.size(); ++i) {
        const auto& name = q.headers[i].name;
        if (equals_ignoring_case(name, "Content-Length") ||
            equals_ignoring_case(name, "Transfer-Encoding")) {
            return r.refuse(http_refusal::malformed);
        }
    }
    r.body_.finish(q);
    q.done_ns = r.now_;
    r.continue_pending_ = false;
    r.state_ = state::ready;
    r.restart_ = p->upgrade != 0;
    http_parser_pause(p, 1);
    return 0;
}

// The last chunk opens the trailers, which the guard reads as it read the head;
// any other, its data (exactly that many bytes go to the parser).
int http_request_reader::on_chunk_header(http_parser* p) {
    auto& r = self(p);
    if (p->content_length == 0) {
        r.section_ = section::trailers;
        r.lines_.start_fields(false);
    } else {
        r.section_ = section::chunk_data;
        r.chunk_left_ = p->content_length;
    }
    return 0;
}

const http_parser_settings& http_request_reader::settings() noexcept {
    static const http_parser_settings s = [] {
        http_parser_settings v{};
        v.on_message_begin = &on_message_begin;
        v.on_url = &on_url;
        v.on_header_field = &on_header_field;
        v.on_header_value = &on_header_value;
        v.on_headers_complete = &on_headers_complete;
        v.on_body = &on_body;
        v.on_message_complete = &on_message_complete;
        v.on_chunk_header = &on_chunk_header;
        return v;
    }();
    return s;
}

}  // namespace echo::core
