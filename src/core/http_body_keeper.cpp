// The body outgrew body_limit: what was kept is hashed and let go, the rest is
// hashed as it streams by. The digest context is made once and reused.
#include "core/http_body_keeper.hpp"

#include <openssl/evp.h>

namespace echo::core {

void http_body_keeper::digest_deleter::operator()(void* ctx) const noexcept {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx));
}

bool http_body_keeper::add(http_request& q, std::string_view bytes, const http_limits& limits) {
    q.body_size += bytes.size();
    if (q.body_size > limits.max_body) {
        return false;
    }
    if (q.body_kept && q.body.size() + bytes.size() <= limits.body_limit) {
        q.body.append(bytes);
        return true;
    }
    auto* ctx = static_cast<EVP_MD_CTX*>(digest_.get());
    if (q.body_kept) {
        if (ctx == nullptr) {
            digest_.reset(EVP_MD_CTX_new());
            ctx = static_cast<EVP_MD_CTX*>(digest_.get());
        }
        if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
            return false;
        }
        EVP_DigestUpdate(ctx, q.body.data(), q.body.size());
        std::string{}.swap(q.body);
        q.body_kept = false;
    }
    EVP_DigestUpdate(ctx, bytes.data(), bytes.size());
    return true;
}

void http_body_keeper::finish(http_request& q) noexcept {
    if (!q.body_kept) {
        unsigned len = 0;
        EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(digest_.get()), q.body_sha256.data(), &len);
    }
}

}  // namespace echo::core
