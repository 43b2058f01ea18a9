// An OpenSSL client for tests and fuzz targets whose records go through two memory
// BIOs that the caller moves by hand, so a server stage is driven without sockets.
#pragma once

#include "test_pki.hpp"

#include <openssl/ssl.h>

#include <string>
#include <string_view>
#include <vector>

namespace echo::testing {

// What the client is and offers, said one setter at a time.
struct client_config {
    int max_version = 0;  // 0: whatever OpenSSL allows
    std::string sni;
    std::vector<std::string> alpn;
    pem_files identity;              // empty: sends no certificate
    SSL_SESSION* session = nullptr;  // borrowed: resume this one

    client_config& up_to(int version) { max_version = version; return *this; }
    client_config& naming(std::string name) { sni = std::move(name); return *this; }
    client_config& offering(std::vector<std::string> ids) { alpn = std::move(ids); return *this; }
    client_config& presenting(pem_files files) { identity = std::move(files); return *this; }
    client_config& resuming(SSL_SESSION* s) { session = s; return *this; }
};

// Does not check the server's certificate. Throws std::runtime_error when it
// cannot be set up or cannot write. Not thread-safe.
class memory_client {
public:
    explicit memory_client(const client_config& config);
    ~memory_client();
    memory_client(const memory_client&) = delete;
    memory_client& operator=(const memory_client&) = delete;

    // Handshakes, or once done, reads: whatever the server's bytes allow.
    void step();
    // The bytes the client wrote since the last call.
    std::string take_output();
    // Bytes from the server, for the next step().
    void give_input(std::string_view bytes);
    void write(std::string_view text);
    // Sends close_notify.
    void close();
    // Plaintext read from the server since the last call.
    std::string take_received();

    [[nodiscard]] bool done() const;
    [[nodiscard]] bool failed() const { return failed_; }
    [[nodiscard]] bool peer_closed() const { return peer_closed_; }
    [[nodiscard]] SSL* ssl() const { return ssl_; }
    // The serial number of the certificate the server sent (-1: none).
    [[nodiscard]] long server_serial() const;

private:
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    BIO* from_server_ = nullptr;  // owned by ssl_
    BIO* to_server_ = nullptr;    // owned by ssl_
    std::string received_;
    bool failed_ = false;
    bool peer_closed_ = false;
};

}  // namespace echo::testing
