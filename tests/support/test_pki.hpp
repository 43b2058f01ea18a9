// Certificates for TLS unit tests and fuzz targets, made in-process with the
// OpenSSL API into a temporary directory: a private CA, server certificates with
// chosen names and serials, client certificates. Nothing is checked in.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>
#include <string_view>
#include <vector>

namespace echo::testing {

// PEM file paths of one certificate and its private key.
struct pem_files {
    std::string cert;
    std::string key;
};

// One CA (P-256 keys throughout) and the directory its files live in; the
// directory goes away with the object. Throws std::runtime_error when OpenSSL or
// the file system fails. Not thread-safe.
class test_pki {
public:
    explicit test_pki(std::string_view ca_name = "echo-test-ca");
    ~test_pki();
    test_pki(const test_pki&) = delete;
    test_pki& operator=(const test_pki&) = delete;

    // A server certificate with CN=`name`, valid for the DNS names (or IP literals)
    // in `sans` (default: `name` alone), with this serial number.
    pem_files server(std::string_view name, long serial, std::vector<std::string> sans = {});
    // A client certificate with CN=`name`.
    pem_files client(std::string_view name, long serial);

    [[nodiscard]] const std::string& ca_file() const noexcept { return ca_file_; }
    [[nodiscard]] const std::string& directory() const noexcept { return directory_; }

private:
    pem_files issue(std::string_view name, long serial, const std::string& extended_usage,
                    const std::string& alt_names);

    std::string directory_;
    std::string ca_file_;
    EVP_PKEY* ca_key_ = nullptr;
    X509* ca_cert_ = nullptr;
};

}  // namespace echo::testing
