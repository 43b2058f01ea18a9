// Each step() does as much as the bytes given so far allow, like a non-blocking
// client after a readiness event.
#include "memory_client.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <utility>

namespace echo::testing {

memory_client::memory_client(const client_config& config) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr) {
        throw std::runtime_error("memory_client: SSL_CTX_new failed");
    }
    if (config.max_version != 0) {
        SSL_CTX_set_max_proto_version(ctx_, config.max_version);
    }
    if (!config.identity.cert.empty() &&
        (SSL_CTX_use_certificate_file(ctx_, config.identity.cert.c_str(), SSL_FILETYPE_PEM) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx_, config.identity.key.c_str(), SSL_FILETYPE_PEM) != 1)) {
        SSL_CTX_free(ctx_);
        throw std::runtime_error("memory_client: cannot load " + config.identity.cert);
    }
    ssl_ = SSL_new(ctx_);
    from_server_ = BIO_new(BIO_s_mem());
    to_server_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, from_server_, to_server_);
    SSL_set_connect_state(ssl_);
    if (!config.sni.empty()) {
        // The macro for this casts C-style; the call it stands for.
        SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(config.sni.c_str()));
    }
    if (!config.alpn.empty()) {
        std::string wire;
        for (const auto& id : config.alpn) {
            wire += static_cast<char>(id.size());
            wire += id;
        }
        SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size()));
    }
    if (config.session != nullptr) {
        SSL_set_session(ssl_, config.session);
    }
}

memory_client::~memory_client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
}

void memory_client::step() {
    ERR_clear_error();
    if (!done()) {
        const int r = SSL_do_handshake(ssl_);
        if (r != 1 && SSL_get_error(ssl_, r) != SSL_ERROR_WANT_READ) {
            failed_ = true;
        }
        if (r != 1) {
            ERR_clear_error();
            return;
        }
    }
    char buffer[4096];
    std::size_t n = 0;
    while (!peer_closed_ && !failed_) {
        if (SSL_read_ex(ssl_, buffer, sizeof buffer, &n) == 1) {
            received_.append(buffer, n);
            continue;
        }
        const int err = SSL_get_error(ssl_, 0);
        peer_closed_ = err == SSL_ERROR_ZERO_RETURN;
        failed_ = err != SSL_ERROR_WANT_READ && err != SSL_ERROR_ZERO_RETURN;
        break;
    }
    ERR_clear_error();
}

std::string memory_client::take_output() {
    std::string out;
    char buffer[4096];
    int n = 0;
    while ((n = BIO_read(to_server_, buffer, sizeof buffer)) > 0) {
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

void memory_client::give_input(std::string_view bytes) {
    if (!bytes.empty()) {
        BIO_write(from_server_, bytes.data(), static_cast<int>(bytes.size()));
    }
}

void memory_client::write(std::string_view text) {
    std::size_t n = 0;
    if (SSL_write_ex(ssl_, text.data(), text.size(), &n) != 1 || n != text.size()) {
        ERR_clear_error();
        throw std::runtime_error("memory_client: SSL_write failed");
    }
}

void memory_client::close() {
    (void)SSL_shutdown(ssl_);
    ERR_clear_error();
}

std::string memory_client::take_received() { return std::exchange(received_, {}); }

bool memory_client::done() const { return SSL_is_init_finished(ssl_) == 1; }

long memory_client::server_serial() const {
    X509* cert = SSL_get0_peer_certificate(ssl_);
    return cert == nullptr ? -1 : ASN1_INTEGER_get(X509_get0_serialNumber(cert));
}

}  // namespace echo::testing
