// TLS as a pipeline stage: OpenSSL works on byte buffers through one BIO made with
// the connection, whose reads take from the chunks the engine received and whose
// writes fill pool chunks for the engine to send. No syscall, no BIO per write.
#pragma once

#include "core/chunk_pool.hpp"
#include "pipeline/stage.hpp"
#include "tls/tls_context.hpp"

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace echo::tls {

// The handshake's outcome, for the connection's log line and the metrics.
struct session_facts {
    std::string sni, alpn, offered_alpn, version, cipher, client_subject;
    bool client_cert = false;
    bool client_verified = false;  // a client certificate was sent and checked out
    bool resumed = false;
};

// What one peer can hold: the chunks in in_ and wire_ (counted by held(), which
// the worker adds to the echo's chunks against --max-buffer and stops reading at),
// plus OpenSSL's own per-connection state: about 34 KiB of record buffers once the
// handshake starts, fixed whatever the peer sends. A peer that stalls its
// handshake keeps that until handshake_timeout; CPU goes to handshakes only as
// fast as the accept limits let connections in.
class tls_stage final : public pipeline::stage {
public:
    // Null when OpenSSL cannot make the connection's state (out of memory).
    static std::unique_ptr<tls_stage> make(std::shared_ptr<const tls_context> context,
                                           core::chunk_pool& pool) noexcept;
    ~tls_stage() override;
    tls_stage(const tls_stage&) = delete;
    tls_stage& operator=(const tls_stage&) = delete;

    void push_inbound(core::chunk_ptr bytes) noexcept override;
    void inbound_ended() noexcept override;
    [[nodiscard]] core::chunk_ptr pull_inbound() noexcept override;
    [[nodiscard]] bool inbound_finished() const noexcept override;
    [[nodiscard]] std::size_t push_outbound(std::span<const std::byte> bytes) noexcept override;
    void outbound_ended() noexcept override;
    [[nodiscard]] core::chunk_list& wire() noexcept override { return wire_; }
    [[nodiscard]] pipeline::stage_state state() const noexcept override { return state_; }
    [[nodiscard]] std::string_view failure() const noexcept override { return failure_; }
    [[nodiscard]] std::size_t held() const noexcept override { return in_.count() + wire_.count(); }

    // Once open: what was negotiated. Allocates; call once per connection.
    [[nodiscard]] session_facts facts() const;

private:
    tls_stage(std::shared_ptr<const tls_context> context, core::chunk_pool& pool) noexcept;
    void fail(std::string_view reason) noexcept;

    static BIO_METHOD* bio_method() noexcept;
    static int bio_read(BIO* bio, char* out, int size) noexcept;
    static int bio_write(BIO* bio, const char* in, int size) noexcept;
    static long bio_ctrl(BIO* bio, int cmd, long num, void* ptr) noexcept;

    std::shared_ptr<const tls_context> context_;  // the SSL's callbacks point into it
    core::chunk_pool& pool_;
    SSL* ssl_ = nullptr;
    core::chunk_list in_;    // received, not yet read by OpenSSL
    core::chunk_list wire_;  // written by OpenSSL, not yet sent
    handshake_notes notes_;
    pipeline::stage_state state_ = pipeline::stage_state::opening;
    std::string_view failure_;
    bool in_ended_ = false;
    bool peer_closed_ = false;  // close_notify (or the end of the stream) read
    bool out_ended_ = false;
};

}  // namespace echo::tls
