// echo-bench's TLS client over OpenSSL 3: a per-thread context (SSL_CTX) and one
// non-blocking stream (SSL) per connection, on a socket the load thread owns.
#pragma once

#include "core/target_url.hpp"
#include "loadgen/bench_config.hpp"

#include <cstddef>
#include <span>
#include <string>

// OpenSSL's types, declared here so that only tls_client.cpp includes its headers.
struct ssl_ctx_st;
struct ssl_st;
struct ssl_session_st;

namespace echo::loadgen {

// What a TLS call came to. want_io: the socket would block; the call is repeated
// on its next epoll event (edge-triggered for both directions, so either will do).
enum class tls_status { done, want_io, closed, reset, failed };

struct tls_outcome {
    tls_status status = tls_status::done;
    std::size_t bytes = 0;  // read or write, when done
};

// One load thread's client configuration, and the session its next connection
// resumes under --resume. Thread affinity: the load thread's. Neither copied nor
// moved: OpenSSL's new-session callback finds it by address.
class tls_client_context {
public:
    // Throws net::setup_error naming the option whose file or list is unusable.
    tls_client_context(const tls_settings& settings, const core::target_url& target);
    ~tls_client_context();
    tls_client_context(const tls_client_context&) = delete;
    tls_client_context& operator=(const tls_client_context&) = delete;

    [[nodiscard]] ssl_ctx_st* get() const noexcept { return ctx_; }
    [[nodiscard]] const std::string& server_name() const noexcept { return sni_; }
    // The session the next connection offers, or nullptr (no --resume, or none yet).
    [[nodiscard]] ssl_session_st* session_to_resume() const noexcept { return last_; }

private:
    static int on_new_session(ssl_st* ssl, ssl_session_st* session);

    ssl_ctx_st* ctx_ = nullptr;
    ssl_session_st* last_ = nullptr;  // owned: one reference
    std::string sni_;                 // empty: no SNI (an IP literal or a unix target)
    bool resume_ = false;
};

// One connection's TLS state. Borrows the socket: the caller closes it after
// close() (or destruction) of this stream.
class tls_stream {
public:
    tls_stream() = default;
    tls_stream(tls_client_context& context, int fd);
    ~tls_stream() { close(); }
    tls_stream(tls_stream&& other) noexcept;
    tls_stream& operator=(tls_stream&& other) noexcept;

    [[nodiscard]] explicit operator bool() const noexcept { return ssl_ != nullptr; }

    [[nodiscard]] tls_outcome handshake();
    [[nodiscard]] tls_outcome read(std::span<std::byte> into);
    // At most one record's worth is taken per call. After want_io, the next call must
    // offer the same bytes again (it may offer more).
    [[nodiscard]] tls_outcome write(std::span<const std::byte> from);
    // Sends close_notify if the stream is healthy, without waiting for the peer's,
    // and frees the state: a session stays resumable only after a clean close.
    void close() noexcept;

    // After a done handshake:
    [[nodiscard]] bool resumed() const noexcept;
    [[nodiscard]] std::string version() const;  // "TLSv1.3"
    [[nodiscard]] std::string cipher() const;   // "TLS_AES_128_GCM_SHA256"
    [[nodiscard]] std::string alpn() const;     // the protocol the server chose, or ""
    // After a failed or closed outcome: what went wrong, in words.
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    tls_outcome outcome(int ret, std::size_t bytes);

    ssl_st* ssl_ = nullptr;
    bool broken_ = false;  // a fatal error: no close_notify may follow
    std::string error_;
};

}  // namespace echo::loadgen
