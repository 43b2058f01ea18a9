// What one HTTP request may be: the bounds the request reader refuses beyond
// (431, 413) and how much body it keeps for the echo. A listener's URL sets them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace echo::core {

struct http_limits {
    std::size_t max_head = 16 * 1024;     // request line + header names and values: 431
    std::size_t max_headers = 100;        // 431
    std::uint64_t max_body = 16 << 20;    // a body beyond it is refused: 413
    std::size_t body_limit = 64 * 1024;   // kept for the echo; beyond, size + SHA-256
};

}  // namespace echo::core
