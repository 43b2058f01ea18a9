// One HTTP/1.x request as it arrived, for the echo to answer with: the request
// line, the headers in arrival order and original case, the body (or beyond the
// listener's body_limit only its size and SHA-256), and when its parts arrived.
#pragma once

#include "core/http_field_text.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace echo::core {

struct http_header {
    std::string name;
    std::string value;
};

struct http_request {
    std::string_view method;  // a static name from the parser (GET, POST, ...)
    std::string target;       // as sent
    std::string_view path;    // into target: before '?'
    std::string_view query;   // into target: after '?', without it
    unsigned version_major = 1;
    unsigned version_minor = 1;
    std::vector<http_header> headers;
    std::string body;            // whole when body_kept, else empty
    bool body_kept = true;       // false: over body_limit, body_sha256 stands for it
    std::uint64_t body_size = 0;
    std::array<std::uint8_t, 32> body_sha256{};  // set when !body_kept
    bool keep_alive = true;      // the client may send another request after this one
    bool chunked = false;        // Transfer-Encoding: chunked
    bool expect_continue = false;
    bool upgrade = false;        // Upgrade + Connection: upgrade (or CONNECT)
    std::int64_t started_ns = 0;  // first byte (steady clock, as fed)
    std::int64_t head_ns = 0;     // end of the head
    std::int64_t done_ns = 0;     // end of the body

    // The first header of that name (ASCII case-insensitive), or null.
    [[nodiscard]] const http_header* find(std::string_view name) const noexcept;
};

}  // namespace echo::core
