// Session-ticket keys that rotate: tickets are sealed with the newest key and
// still opened with the one before, so a rotation never fails a resumption that
// is younger than one period. Shared by every loop and kept across reloads.
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace echo::tls {

class ticket_keys {
public:
    using clock = std::chrono::steady_clock;
    explicit ticket_keys(std::chrono::seconds period = std::chrono::hours{1});

    // Installs the ticket callback on `ctx`; the keys must outlive it.
    void install(SSL_CTX* ctx);
    // How many rotations have happened (tests and metrics).
    [[nodiscard]] std::uint64_t rotations() const;
    // Rotates now, as if a period had passed.
    void rotate();

private:
    struct key {
        std::array<unsigned char, 16> name{};
        std::array<unsigned char, 32> aes{};
        std::array<unsigned char, 32> hmac{};
    };
    static int callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                        EVP_MAC_CTX* mac, int enc);
    int seal_or_open(unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                     EVP_MAC_CTX* mac, int enc);
    void rotate_locked();

    mutable std::mutex mutex_;  // one lock per handshake that touches tickets
    key current_, previous_;
    bool has_previous_ = false;
    clock::time_point rotated_at_;
    std::chrono::seconds period_;
    std::uint64_t rotations_ = 0;
};

}  // namespace echo::tls
