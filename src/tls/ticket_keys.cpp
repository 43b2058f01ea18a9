// Keys come from the OpenSSL random generator and never leave the process; a
// restart invalidates every ticket, which only costs those clients one full
// handshake.
#include "tls/ticket_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace echo::tls {

namespace {

// The SSL_CTX's ex_data slot holding its ticket_keys.
int keys_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

}  // namespace

ticket_keys::ticket_keys(std::chrono::seconds period) : period_(period) { rotate_locked(); }

void ticket_keys::install(SSL_CTX* ctx) {
    SSL_CTX_set_ex_data(ctx, keys_index(), this);
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &ticket_keys::callback);
}

std::uint64_t ticket_keys::rotations() const {
    const std::lock_guard lock{mutex_};
    return rotations_;
}

void ticket_keys::rotate() {
    const std::lock_guard lock{mutex_};
    rotate_locked();
}

void ticket_keys::rotate_locked() {
    key fresh;
    if (RAND_bytes(fresh.name.data(), static_cast<int>(fresh.name.size())) != 1 ||
        RAND_bytes(fresh.aes.data(), static_cast<int>(fresh.aes.size())) != 1 ||
        RAND_bytes(fresh.hmac.data(), static_cast<int>(fresh.hmac.size())) != 1) {
        // Keep the old key rather than seal tickets with a weak one.
        if (rotations_ == 0 && !has_previous_) {
            throw std::runtime_error("TLS ticket keys: the random generator failed");
        }
        return;
    }
    if (rotations_ > 0 || has_previous_) {
        previous_ = current_;
        has_previous_ = true;
    }
    current_ = fresh;
    rotated_at_ = clock::now();
    ++rotations_;
}

int ticket_keys::callback(SSL* ssl, unsigned char* name, unsigned char* iv,
                          EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
    auto* self = static_cast<ticket_keys*>(
        SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keys_index()));
    if (self == nullptr) {
        // The SNI callback may have switched contexts; the session context holds it.
        return -1;
    }
    return self->seal_or_open(name, iv, cipher, mac, enc);
}

// Returns, as OpenSSL wants: 1 done, 2 done and issue a fresh ticket, 0 unknown key
// (full handshake), -1 error. An opened ticket always gets a fresh one: TLS 1.3
// clients use a ticket once (RFC 8446, C.4), so without it every other resumption
// would fall back to a full handshake; and a ticket under the previous key moves
// to the current one.
int ticket_keys::seal_or_open(unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                              EVP_MAC_CTX* mac, int enc) {
    const std::lock_guard lock{mutex_};
    if (clock::now() - rotated_at_ >= period_) {
        rotate_locked();
    }
    const key* k = &current_;
    const int result = enc == 0 ? 2 : 1;
    if (enc == 1) {
        if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1) {
            return -1;
        }
        std::memcpy(name, current_.name.data(), current_.name.size());
        if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, k->aes.data(), iv) != 1) {
            return -1;
        }
    } else {
        if (std::memcmp(name, current_.name.data(), current_.name.size()) != 0) {
            if (!has_previous_ ||
                std::memcmp(name, previous_.name.data(), previous_.name.size()) != 0) {
                return 0;
            }
            k = &previous_;
        }
        if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, k->aes.data(), iv) != 1) {
            return -1;
        }
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(k->hmac.data()),
                                          k->hmac.size()),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(mac, params) != 1) {
        return -1;
    }
    return result;
}

}  // namespace echo::tls
