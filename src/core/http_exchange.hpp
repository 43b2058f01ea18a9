// The little HTTP/1.x the metrics and admin endpoints speak: parse a request head,
// build a response. Pure functions over strings, so malformed requests are unit-tested.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace echo::core {

inline constexpr std::size_t kMaxRequestHead = 8192;

enum class head_status { incomplete, complete, malformed };

struct request_line {
    std::string method;
    std::string path;  // without the query string
    std::string authorization;       // the Authorization header's value, if any
    std::size_t content_length = 0;  // of the body that follows the head
    // A Transfer-Encoding header came: the body's length is not known from the head
    // (these endpoints read Content-Length bodies only).
    bool transfer_encoding = false;
    std::size_t head_size = 0;       // bytes up to and including the blank line
};

// Looks at what has arrived so far; `complete` once the blank line ending the head
// is in `received` within kMaxRequestHead bytes, `malformed` when it cannot become a
// valid request (a Content-Length that is not a number, or two that differ, too:
// which one frames the body would be a guess). More bytes never
// change a verdict other than `incomplete`.
[[nodiscard]] head_status parse_request_head(std::string_view received, request_line& out);

// The token of an Authorization header's value in the Bearer scheme, whose name is
// matched without regard to case (RFC 9110 11.1); none for another scheme.
[[nodiscard]] std::optional<std::string_view> bearer_token(std::string_view authorization);

struct http_response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::string www_authenticate;  // a 401's challenge ("Bearer"); empty: no such header
};

// Serialised with Content-Length and Connection: close; HEAD gets the headers only.
[[nodiscard]] std::string serialise(const http_response& r, bool head_only);

}  // namespace echo::core
