// A request body as the echo keeps it: whole up to body_limit, beyond it only its
// size and SHA-256. Shared by the HTTP/1 reader and each HTTP/2 stream.
#pragma once

#include "core/http_limits.hpp"
#include "core/http_request.hpp"

#include <memory>
#include <string_view>

namespace echo::core {

// Holds at most body_limit bytes (in the request) and, once a body passes it, one
// SHA-256 context.
class http_body_keeper {
public:
    // Adds body bytes to `q`. False when the body passed max_body, or when the
    // digest that should stand for it could not be made (out of memory).
    [[nodiscard]] bool add(http_request& q, std::string_view bytes, const http_limits& limits);
    // The body is complete: the digest, when one stands for it, goes into `q`.
    void finish(http_request& q) noexcept;

private:
    struct digest_deleter {
        void operator()(void* ctx) const noexcept;
    };
    std::unique_ptr<void, digest_deleter> digest_;  // EVP_MD_CTX, once a body went over
};

}  // namespace echo::core
