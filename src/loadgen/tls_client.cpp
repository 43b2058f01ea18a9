// OpenSSL's non-blocking contract: every call may ask to be repeated once the socket
// is readable or writable (SSL_ERROR_WANT_READ/WRITE), and the error queue must be
// empty before a call for SSL_get_error to describe that call.
#include "loadgen/tls_client.hpp"

#include "net/setup_error.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace echo::loadgen {

namespace {

bool is_ip_literal(const std::string& host) {
    unsigned char buf[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// The most specific words OpenSSL has for its queued errors, and clears the queue:
// a failed system call (a missing file) if there was one, else the last reason.
std::string openssl_error() {
    std::string words, system;
    while (const unsigned long e = ::ERR_get_error()) {
        if (ERR_SYSTEM_ERROR(e) && system.empty()) {
            system = std::strerror(ERR_GET_REASON(e));
        }
        const char* reason = ::ERR_reason_error_string(e);
        words = reason ? reason : "error " + std::to_string(e);
    }
    return !system.empty() ? system : words.empty() ? "unknown OpenSSL error" : words;
}

[[noreturn]] void setup_failed(const std::string& what) {
    throw net::setup_error(what + ": " + openssl_error());
}

int protocol_version(int v) { return v == 12 ? TLS1_2_VERSION : TLS1_3_VERSION; }

// ALPN's wire format: each name preceded by its length.
std::string alpn_wire(const std::vector<std::string>& names) {
    std::string wire;
    for (const auto& n : names) {
        wire += static_cast<char>(n.size());
        wire += n;
    }
    return wire;
}

}  // namespace

tls_client_context::tls_client_context(const tls_settings& s, const core::target_url& target)
    : ctx_(::SSL_CTX_new(::TLS_client_method())), resume_(s.resume) {
    if (ctx_ == nullptr) {
        setup_failed("SSL_CTX_new");
    }
    ::SSL_CTX_set_ex_data(ctx_, 0, this);
    // Partial writes and a moving buffer let one record go at a time from wherever
    // the message pattern lies; read-ahead takes a socket's worth of records per recv.
    ::SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    ::SSL_CTX_set_read_ahead(ctx_, 1);
    // An EOF without close_notify is the peer closing, counted as such, not a TLS error.
    ::SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    const bool host_is_name = target.scheme != "unix" && !is_ip_literal(target.host);
    sni_ = !s.sni.empty() ? s.sni : host_is_name ? target.host : "";
    if (!s.insecure) {
        ::SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
        if (::SSL_CTX_load_verify_locations(ctx_, s.ca_file.c_str(), nullptr) != 1) {
            setup_failed("--ca " + s.ca_file);
        }
        X509_VERIFY_PARAM* param = ::SSL_CTX_get0_param(ctx_);
        // The name checked is the one sent; an IP literal target is checked as an IP.
        const bool ok = !sni_.empty() ? ::X509_VERIFY_PARAM_set1_host(param, sni_.c_str(), 0) == 1
                        : target.scheme != "unix"
                            ? ::X509_VERIFY_PARAM_set1_ip_asc(param, target.host.c_str()) == 1
                            : true;  // unix+tls without --sni: the chain alone
        if (!ok) {
            setup_failed("the name to verify");
        }
    }
    if (!s.cert_file.empty()) {
        if (::SSL_CTX_use_certificate_chain_file(ctx_, s.cert_file.c_str()) != 1) {
            setup_failed("--cert " + s.cert_file);
        }
        if (::SSL_CTX_use_PrivateKey_file(ctx_, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
            ::SSL_CTX_check_private_key(ctx_) != 1) {
            setup_failed("--key " + s.key_file);
        }
    }
    if (s.min_version &&
        ::SSL_CTX_set_min_proto_version(ctx_, protocol_version(s.min_version)) != 1) {
        setup_failed("--tls-min");
    }
    if (s.max_version &&
        ::SSL_CTX_set_max_proto_version(ctx_, protocol_version(s.max_version)) != 1) {
        setup_failed("--tls-max");
    }
    if (!s.alpn.empty()) {
        const std::string wire = alpn_wire(s.alpn);
        // (0 is success here, unlike the rest of the SSL_CTX setters.)
        if (::SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char*>(wire.data()),
                                      static_cast<unsigned>(wire.size())) != 0) {
            setup_failed("--alpn");
        }
    }
    if (!s.ciphers.empty() && ::SSL_CTX_set_cipher_list(ctx_, s.ciphers.c_str()) != 1) {
        setup_failed("--ciphers " + s.ciphers);
    }
    if (!s.ciphersuites.empty() && ::SSL_CTX_set_ciphersuites(ctx_, s.ciphersuites.c_str()) != 1) {
        setup_failed("--ciphersuites " + s.ciphersuites);
    }
    // The client keeps no cache of its own: the callback holds the one session the
    // next connection resumes (TLS 1.3 tickets arrive after the handshake).
    ::SSL_CTX_set_session_cache_mode(ctx_,
                                     SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    ::SSL_CTX_sess_set_new_cb(ctx_, &tls_client_context::on_new_session);
}

tls_client_context::~tls_client_context() {
    ::SSL_SESSION_free(last_);
    ::SSL_CTX_free(ctx_);
}

int tls_client_context::on_new_session(ssl_st* ssl, ssl_session_st* session) {
    auto* self = static_cast<tls_client_context*>(::SSL_CTX_get_ex_data(::SSL_get_SSL_CTX(ssl), 0));
    if (!self->resume_ || ::SSL_SESSION_is_resumable(session) != 1) {
        return 0;  // not kept: OpenSSL frees it
    }
    ::SSL_SESSION_free(self->last_);
    self->last_ = session;
    return 1;  // we hold the reference OpenSSL gave us
}

tls_stream::tls_stream(tls_client_context& context, int fd) : ssl_(::SSL_new(context.get())) {
    if (ssl_ == nullptr) {
        error_ = "SSL_new: " + openssl_error();
        return;
    }
    ::SSL_set_fd(ssl_, fd);
    ::SSL_set_connect_state(ssl_);
    if (!context.server_name().empty()) {
        // SSL_set_tlsext_host_name(), without its C cast.
        ::SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(context.server_name().c_str()));
    }
    if (auto* session = context.session_to_resume()) {
        ::SSL_set_session(ssl_, session);
    }
}

tls_stream::tls_stream(tls_stream&& other) noexcept
    : ssl_(std::exchange(other.ssl_, nullptr)),
      broken_(other.broken_),
      error_(std::move(other.error_)) {}

tls_stream& tls_stream::operator=(tls_stream&& other) noexcept {
    if (this != &other) {
        close();
        ssl_ = std::exchange(other.ssl_, nullptr);
        broken_ = other.broken_;
        error_ = std::move(other.error_);
    }
    return *this;
}

void tls_stream::close() noexcept {
    if (ssl_ == nullptr) {
        return;
    }
    if (!broken_ && ::SSL_is_init_finished(ssl_)) {
        ::SSL_shutdown(ssl_);  // one try: a full send buffer only loses the courtesy
    }
    ::ERR_clear_error();
    ::SSL_free(ssl_);
    ssl_ = nullptr;
    broken_ = false;
}

tls_outcome tls_stream::handshake() {
    ::ERR_clear_error();
    return outcome(::SSL_do_handshake(ssl_), 0);
}

tls_outcome tls_stream::read(std::span<std::byte> into) {
    ::ERR_clear_error();
    std::size_t got = 0;
    const int ret = ::SSL_read_ex(ssl_, into.data(), into.size(), &got);
    return outcome(ret, got);
}

tls_outcome tls_stream::write(std::span<const std::byte> from) {
    ::ERR_clear_error();
    std::size_t put = 0;
    const int ret = ::SSL_write_ex(ssl_, from.data(), from.size(), &put);
    return outcome(ret, put);
}

tls_outcome tls_stream::outcome(int ret, std::size_t bytes) {
    if (ret == 1) {
        return {tls_status::done, bytes};
    }
    const int saved_errno = errno;
    switch (::SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return {tls_status::want_io, 0};
    case SSL_ERROR_ZERO_RETURN:
        error_ = "the server closed the TLS session";
        return {tls_status::closed, 0};
    case SSL_ERROR_SYSCALL:
        broken_ = true;
        error_ = saved_errno ? std::string{::strerror(saved_errno)} : "EOF";
        return {saved_errno == ECONNRESET || saved_errno == EPIPE ? tls_status::reset
                                                                  : tls_status::failed,
                0};
    default:
        break;
    }
    broken_ = true;
    const long verify = ::SSL_get_verify_result(ssl_);
    error_ = openssl_error();
    if (verify != X509_V_OK) {
        error_ += " (" + std::string{::X509_verify_cert_error_string(verify)} + ")";
    }
    return {tls_status::failed, 0};
}

bool tls_stream::resumed() const noexcept { return ::SSL_session_reused(ssl_) == 1; }

std::string tls_stream::version() const { return ::SSL_get_version(ssl_); }

std::string tls_stream::cipher() const {
    return ::SSL_CIPHER_get_name(::SSL_get_current_cipher(ssl_));
}

std::string tls_stream::alpn() const {
    const unsigned char* name = nullptr;
    unsigned int length = 0;
    ::SSL_get0_alpn_selected(ssl_, &name, &length);
    return name ? std::string{reinterpret_cast<const char*>(name), length} : std::string{};
}

}  // namespace echo::loadgen
