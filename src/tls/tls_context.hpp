// A TLS listener's material, loaded and checked once: one SSL_CTX per certificate
// (the first is the default; SNI picks among the others by the names their
// certificates carry), client-certificate checking, versions, ALPN and sessions.
// Immutable once built, so every loop shares it; a reload builds a new one.
#pragma once

#include "core/tls_settings.hpp"
#include "tls/ticket_keys.hpp"

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace echo::tls {

struct ssl_ctx_free {
    void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, ssl_ctx_free>;

// What the handshake callbacks learn about one connection, for its log line. Set
// as the SSL's app data by whoever owns the SSL.
struct handshake_notes {
    std::string offered_alpn;  // the client's ALPN list, comma-separated
};

class tls_context {
public:
    // Loads every file named in `settings`. Throws std::runtime_error with one line
    // (naming `url` and the file) when a file is unreadable, a key does not match
    // its certificate, or (with strict=1) a certificate has expired. An expired
    // certificate without strict=1 only adds a line to `warnings`.
    static std::shared_ptr<const tls_context> load(const core::tls_settings& settings,
                                                   std::string_view url,
                                                   std::shared_ptr<ticket_keys> keys,
                                                   std::vector<std::string>& warnings);

    // Where a new connection's handshake starts (the default certificate).
    [[nodiscard]] SSL_CTX* initial() const noexcept { return contexts_.front().get(); }
    // Serial numbers of the certificates, in URL order (for the reload log line).
    [[nodiscard]] const std::vector<std::string>& serials() const noexcept { return serials_; }

    tls_context(const tls_context&) = delete;
    tls_context& operator=(const tls_context&) = delete;
    ~tls_context();

private:
    tls_context() = default;
    static int on_server_name(SSL* ssl, int* alert, void* arg);
    static int on_client_hello(SSL* ssl, int* alert, void* arg);
    static int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                       const unsigned char* in, unsigned int inlen, void* arg);

    std::vector<ctx_ptr> contexts_;     // one per identity, URL order
    std::vector<X509*> certificates_;   // borrowed from contexts_, for SNI matching
    std::vector<std::string> serials_;
    std::vector<unsigned char> alpn_;   // the server's list in wire format
    std::shared_ptr<ticket_keys> keys_;
};

}  // namespace echo::tls
