// The handshake runs inside pull_inbound(): OpenSSL asks its BIO for bytes, the
// BIO hands over what the engine received, and whatever OpenSSL answers lands in
// wire(). Plaintext comes out one record per pool chunk.
#include "tls/tls_stage.hpp"

#include "tls/tls_errors.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace echo::tls {

namespace {

tls_stage* stage_of(BIO* bio) noexcept { return static_cast<tls_stage*>(BIO_get_data(bio)); }

}  // namespace

BIO_METHOD* tls_stage::bio_method() noexcept {
    // One method for the process, made on first use (thread-safe static init).
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "echo-chunks");
        if (m != nullptr) {
            BIO_meth_set_read(m, &tls_stage::bio_read);
            BIO_meth_set_write(m, &tls_stage::bio_write);
            BIO_meth_set_ctrl(m, &tls_stage::bio_ctrl);
        }
        return m;
    }();
    return method;
}

int tls_stage::bio_read(BIO* bio, char* out, int size) noexcept {
    tls_stage* self = stage_of(bio);
    BIO_clear_retry_flags(bio);
    auto& in = self->in_;
    std::size_t copied = 0;
    const auto want = static_cast<std::size_t>(std::max(size, 0));
    while (copied < want && !in.empty()) {
        const auto bytes = in.front()->payload();
        const std::size_t n = std::min(bytes.size(), want - copied);
        std::memcpy(out + copied, bytes.data(), n);
        copied += n;
        in.consume_front(n);
        if (in.front()->size() == 0) {
            (void)in.pop_front();
        }
    }
    if (copied > 0) {
        return static_cast<int>(copied);
    }
    if (self->in_ended_) {
        return 0;  // the end of the stream
    }
    BIO_set_retry_read(bio);
    return -1;
}

int tls_stage::bio_write(BIO* bio, const char* in, int size) noexcept {
    tls_stage* self = stage_of(bio);
    BIO_clear_retry_flags(bio);
    std::span<const std::byte> rest{reinterpret_cast<const std::byte*>(in),
                                    static_cast<std::size_t>(std::max(size, 0))};
    while (!rest.empty()) {
        const std::size_t n = self->wire_.append_to_back(rest);
        rest = rest.subspan(n);
        if (!rest.empty()) {
            try {
                self->wire_.push_back(self->pool_.acquire());
            } catch (const std::bad_alloc&) {
                return -1;
            }
        }
    }
    return size;
}

long tls_stage::bio_ctrl(BIO* bio, int cmd, long /*num*/, void* /*ptr*/) noexcept {
    switch (cmd) {
        case BIO_CTRL_FLUSH:
            return 1;
        case BIO_CTRL_EOF: {
            const tls_stage* self = stage_of(bio);
            return self->in_ended_ && self->in_.empty() ? 1 : 0;
        }
        case BIO_CTRL_PENDING:
            return static_cast<long>(stage_of(bio)->in_.bytes());
        case BIO_CTRL_WPENDING:
            return static_cast<long>(stage_of(bio)->wire_.bytes());
        default:
            return 0;
    }
}

std::unique_ptr<tls_stage> tls_stage::make(std::shared_ptr<const tls_context> context,
                                           core::chunk_pool& pool) noexcept {
    BIO_METHOD* method = bio_method();
    if (method == nullptr) {
        return nullptr;
    }
    std::unique_ptr<tls_stage> stage{new (std::nothrow) tls_stage(std::move(context), pool)};
    if (!stage) {
        return nullptr;
    }
    stage->ssl_ = SSL_new(stage->context_->initial());
    BIO* bio = BIO_new(method);
    if (stage->ssl_ == nullptr || bio == nullptr) {
        BIO_free(bio);
        ERR_clear_error();
        return nullptr;
    }
    BIO_set_data(bio, stage.get());
    BIO_set_init(bio, 1);
    SSL_set_bio(stage->ssl_, bio, bio);
    SSL_set_app_data(stage->ssl_, &stage->notes_);
    SSL_set_accept_state(stage->ssl_);
    return stage;
}

tls_stage::tls_stage(std::shared_ptr<const tls_context> context, core::chunk_pool& pool) noexcept
    : context_(std::move(context)), pool_(pool) {}

tls_stage::~tls_stage() {
    // OpenSSL drops from its cache the session of a connection freed without a
    // shutdown; one that ended by a reset or a timeout after a good handshake may
    // still be resumed.
    if (ssl_ != nullptr && state_ == pipeline::stage_state::open) {
        SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    SSL_free(ssl_);
}

void tls_stage::push_inbound(core::chunk_ptr bytes) noexcept {
    if (bytes && bytes->size() > 0 && state_ != pipeline::stage_state::failed) {
        in_.push_back(std::move(bytes));
    }
}

void tls_stage::inbound_ended() noexcept { in_ended_ = true; }

void tls_stage::fail(std::string_view reason) noexcept {
    state_ = pipeline::stage_state::failed;
    failure_ = reason;
    in_.clear();
}

core::chunk_ptr tls_stage::pull_inbound() noexcept {
    if (state_ == pipeline::stage_state::failed || peer_closed_) {
        return nullptr;
    }
    // Nothing to read and nothing buffered: skip OpenSSL (the common idle case).
    if (in_.empty() && !in_ended_ && SSL_pending(ssl_) == 0) {
        return nullptr;
    }
    core::chunk_ptr out;
    try {
        out = pool_.acquire();
    } catch (const std::bad_alloc&) {
        return nullptr;  // tried again on the next event
    }
    ERR_clear_error();
    std::size_t n = 0;
    const int ok = SSL_read_ex(ssl_, out->data, out->capacity, &n);
    if (state_ == pipeline::stage_state::opening && SSL_is_init_finished(ssl_)) {
        state_ = pipeline::stage_state::open;
    }
    if (ok == 1) {
        out->end = static_cast<std::uint32_t>(n);
        return out;
    }
    switch (SSL_get_error(ssl_, ok)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            break;
        case SSL_ERROR_ZERO_RETURN:
        case SSL_ERROR_SYSCALL:
            if (state_ == pipeline::stage_state::open) {
                peer_closed_ = true;
            } else {
                fail(in_ended_ ? "eof" : handshake_failure_reason());
            }
            break;
        default:
            fail(state_ == pipeline::stage_state::open ? std::string_view{"protocol"}
                                                       : handshake_failure_reason());
            break;
    }
    ERR_clear_error();
    return nullptr;
}

bool tls_stage::inbound_finished() const noexcept {
    return peer_closed_ || state_ == pipeline::stage_state::failed;
}

std::size_t tls_stage::push_outbound(std::span<const std::byte> bytes) noexcept {
    if (state_ != pipeline::stage_state::open || out_ended_ || bytes.empty()) {
        return 0;
    }
    ERR_clear_error();
    std::size_t written = 0;
    if (SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written) != 1) {
        const int err = SSL_get_error(ssl_, 0);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            fail("protocol");
        }
        ERR_clear_error();
        return 0;
    }
    return written;
}

void tls_stage::outbound_ended() noexcept {
    if (out_ended_ || state_ != pipeline::stage_state::open) {
        return;
    }
    out_ended_ = true;
    ERR_clear_error();
    (void)SSL_shutdown(ssl_);  // writes close_notify; the peer's may never come
    ERR_clear_error();
}

session_facts tls_stage::facts() const {
    session_facts f;
    if (const char* sni = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name)) {
        f.sni = sni;
    }
    const unsigned char* alpn = nullptr;
    unsigned int alpn_length = 0;
    SSL_get0_alpn_selected(ssl_, &alpn, &alpn_length);
    f.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_length);
    f.offered_alpn = notes_.offered_alpn;
    f.version = SSL_get_version(ssl_);
    f.cipher = SSL_get_cipher_name(ssl_);
    if (X509* peer = SSL_get0_peer_certificate(ssl_)) {
        f.client_cert = true;
        f.client_verified = SSL_get_verify_result(ssl_) == X509_V_OK;
        char line[256];
        X509_NAME_oneline(X509_get_subject_name(peer), line, sizeof line);
        f.client_subject = line;
    }
    f.resumed = SSL_session_reused(ssl_) == 1;
    return f;
}

}  // namespace echo::tls
