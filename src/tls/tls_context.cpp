// Every check that can fail on a file happens here, before the listener opens:
// a server that starts is a server whose handshakes can succeed.
#include "tls/tls_context.hpp"

#include "tls/tls_errors.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <stdexcept>

namespace echo::tls {

namespace {

// The context id under which sessions are cached; resumption must not cross
// listeners with different client-certificate rules.
constexpr unsigned char kSessionContext[] = "echo-server";
constexpr long kSessionCacheSize = 20'000;  // bounds the cache's memory (~a few MiB)

[[noreturn]] void fail(std::string_view url, const std::string& what) {
    throw std::runtime_error("--listen '" + std::string{url} + "': " + what);
}

std::string serial_of(X509* cert) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
    BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
    std::string text = "?";
    if (bn != nullptr) {
        if (char* hex = BN_bn2hex(bn)) {
            text = hex;
            OPENSSL_free(hex);
        }
        BN_free(bn);
    }
    return text;
}

void check_dates(X509* cert, const core::tls_settings& settings, std::string_view url,
                 const std::string& file, std::vector<std::string>& warnings) {
    std::string problem;
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
        problem = "certificate " + file + " has expired";
    } else if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
        problem = "certificate " + file + " is not valid yet";
    }
    if (problem.empty()) {
        return;
    }
    if (settings.strict) {
        fail(url, problem + " (strict=1)");
    }
    warnings.push_back("--listen '" + std::string{url} + "': " + problem +
                       "; serving it anyway (strict=1 refuses to start)");
}

int min_version_of(core::tls_version v) {
    return v == core::tls_version::v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

}  // namespace

tls_context::~tls_context() = default;

std::shared_ptr<const tls_context> tls_context::load(const core::tls_settings& settings,
                                                     std::string_view url,
                                                     std::shared_ptr<ticket_keys> keys,
                                                     std::vector<std::string>& warnings) {
    std::shared_ptr<tls_context> out{new tls_context};
    out->keys_ = std::move(keys);
    for (const auto& id : settings.alpn) {
        out->alpn_.push_back(static_cast<unsigned char>(id.size()));
        out->alpn_.insert(out->alpn_.end(), id.begin(), id.end());
    }
    for (const auto& id : settings.identities) {
        ERR_clear_error();
        ctx_ptr ctx{SSL_CTX_new(TLS_server_method())};
        if (!ctx) {
            fail(url, "cannot make a TLS context: " + last_error_text());
        }
        SSL_CTX* c = ctx.get();
        if (SSL_CTX_use_certificate_chain_file(c, id.cert.c_str()) != 1) {
            fail(url, "cert " + id.cert + ": " + last_error_text());
        }
        if (SSL_CTX_use_PrivateKey_file(c, id.key.c_str(), SSL_FILETYPE_PEM) != 1) {
            if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
                fail(url, "key " + id.key + " does not match cert " + id.cert);
            }
            fail(url, "key " + id.key + ": " + last_error_text());
        }
        if (SSL_CTX_check_private_key(c) != 1) {
            fail(url, "key " + id.key + " does not match cert " + id.cert);
        }
        X509* cert = SSL_CTX_get0_certificate(c);
        check_dates(cert, settings, url, id.cert, warnings);
        SSL_CTX_set_min_proto_version(c, min_version_of(settings.min));
        // Echo traffic is written as soon as it is read; a partial write is normal.
        SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        // A peer that closes without close_notify ends its stream like a TCP FIN
        // does; echo has no length to protect from truncation.
        SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                   SSL_OP_IGNORE_UNEXPECTED_EOF);
        SSL_CTX_set_client_hello_cb(c, &tls_context::on_client_hello, nullptr);
        SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
        SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(c, kSessionCacheSize);
        if (!settings.ca.empty()) {
            if (SSL_CTX_load_verify_locations(c, settings.ca.c_str(), nullptr) != 1) {
                fail(url, "ca " + settings.ca + ": " + last_error_text());
            }
            // The names the client is told to pick its certificate from.
            STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(settings.ca.c_str());
            if (names != nullptr) {
                SSL_CTX_set_client_CA_list(c, names);
            }
        }
        switch (settings.verify) {
            case core::tls_verify::none:
                SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
                break;
            case core::tls_verify::optional:
                SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
                break;
            case core::tls_verify::require:
                SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
                break;
        }
        // The macro for this casts C-style; the call it stands for, spelled out.
        SSL_CTX_callback_ctrl(c, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                              reinterpret_cast<void (*)()>(&tls_context::on_server_name));
        SSL_CTX_set_tlsext_servername_arg(c, out.get());
        if (!out->alpn_.empty()) {
            SSL_CTX_set_alpn_select_cb(c, &tls_context::on_alpn, out.get());
        }
        if (out->keys_) {
            out->keys_->install(c);
        }
        out->serials_.push_back(serial_of(cert));
        out->certificates_.push_back(cert);
        out->contexts_.push_back(std::move(ctx));
    }
    return out;
}

// SNI: the first certificate (in URL order) whose names match wins; no match, or
// no name sent, keeps the default.
int tls_context::on_server_name(SSL* ssl, int* /*alert*/, void* arg) {
    const auto* self = static_cast<const tls_context*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name == nullptr || self->contexts_.size() == 1) {
        return SSL_TLSEXT_ERR_OK;
    }
    const std::size_t length = std::strlen(name);
    for (std::size_t i = 0; i < self->certificates_.size(); ++i) {
        if (X509_check_host(self->certificates_[i], name, length, 0, nullptr) == 1) {
            if (i != 0) {
                SSL_set_SSL_CTX(ssl, self->contexts_[i].get());
            }
            break;
        }
    }
    return SSL_TLSEXT_ERR_OK;
}

// Notes what the client offered, before any choice is made, for the log line.
int tls_context::on_client_hello(SSL* ssl, int* /*alert*/, void* /*arg*/) {
    auto* notes = static_cast<handshake_notes*>(SSL_get_app_data(ssl));
    const unsigned char* ext = nullptr;
    std::size_t length = 0;
    if (notes == nullptr ||
        SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation,
                                  &ext, &length) != 1 ||
        length < 2) {
        return SSL_CLIENT_HELLO_SUCCESS;
    }
    // A 2-byte list length, then length-prefixed names; a malformed list is
    // OpenSSL's to reject, we only stop reading it.
    notes->offered_alpn.clear();
    std::size_t at = 2;
    while (at < length && notes->offered_alpn.size() < 512) {
        const std::size_t n = ext[at];
        if (n == 0 || at + 1 + n > length) {
            break;
        }
        if (!notes->offered_alpn.empty()) {
            notes->offered_alpn += ',';
        }
        notes->offered_alpn.append(reinterpret_cast<const char*>(ext + at + 1), n);
        at += 1 + n;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

// ALPN: the server's preference wins; without overlap the handshake goes on with
// no protocol, which is what a test endpoint should do (the log shows the offer).
int tls_context::on_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
                         const unsigned char* in, unsigned int inlen, void* arg) {
    const auto* self = static_cast<const tls_context*>(arg);
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, outlen, self->alpn_.data(),
                              static_cast<unsigned int>(self->alpn_.size()), in,
                              inlen) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace echo::tls
