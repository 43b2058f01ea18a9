// Keys are P-256 (fast to make, so every fixture can have its own CA); certificates
// are valid from an hour ago for 30 days, so clock skew never fails a test.
#include "test_pki.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace echo::testing {

namespace {

struct free_key {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct free_cert {
    void operator()(X509* c) const noexcept { X509_free(c); }
};
struct close_file {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, free_key>;
using cert_ptr = std::unique_ptr<X509, free_cert>;

[[noreturn]] void fail(const std::string& what) {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    char text[256] = "no OpenSSL error";
    if (e != 0) {
        ERR_error_string_n(e, text, sizeof text);
    }
    throw std::runtime_error("test_pki: " + what + ": " + text);
}

key_ptr new_key() {
    key_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
    if (!key) {
        fail("EC key generation");
    }
    return key;
}

// A certificate for `key` named CN=`name`, not yet signed, with the extensions
// given as openssl.cnf-style values (issuer may be the certificate itself).
cert_ptr new_cert(EVP_PKEY* key, std::string_view name, long serial, X509* issuer,
                  const std::vector<std::pair<int, std::string>>& extensions) {
    cert_ptr cert{X509_new()};
    if (!cert) {
        fail("X509_new");
    }
    X509* c = cert.get();
    X509_set_version(c, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 30L * 24 * 3600);
    X509_set_pubkey(c, key);
    const std::string cn{name};
    X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(c, X509_get_subject_name(issuer != nullptr ? issuer : c));
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : c, c, nullptr, nullptr, 0);
    for (const auto& [nid, value] : extensions) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        if (ext == nullptr || X509_add_ext(c, ext, -1) != 1) {
            X509_EXTENSION_free(ext);
            fail("extension " + value);
        }
        X509_EXTENSION_free(ext);
    }
    return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
    std::unique_ptr<std::FILE, close_file> f{std::fopen(path.c_str(), "w")};
    if (!f) {
        throw std::runtime_error("test_pki: cannot write " + path);
    }
    const int ok = cert != nullptr ? PEM_write_X509(f.get(), cert)
                                   : PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0,
                                                          nullptr, nullptr);
    if (ok != 1) {
        fail("writing " + path);
    }
}

bool is_ip(std::string_view s) {
    return s.find(':') != std::string_view::npos ||
           s.find_first_not_of("0123456789.") == std::string_view::npos;
}

}  // namespace

test_pki::test_pki(std::string_view ca_name) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string{tmp != nullptr ? tmp : "/tmp"} + "/echo-pki-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("test_pki: mkdtemp " + pattern + " failed");
    }
    directory_ = pattern;
    key_ptr key = new_key();
    cert_ptr cert = new_cert(key.get(), ca_name, 1, nullptr,
                             {{NID_basic_constraints, "critical,CA:TRUE"},
                              {NID_key_usage, "critical,keyCertSign,cRLSign"}});
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
        fail("signing the CA");
    }
    ca_file_ = directory_ + "/ca.pem";
    write_pem(ca_file_, cert.get(), nullptr);
    ca_key_ = key.release();
    ca_cert_ = cert.release();
}

test_pki::~test_pki() {
    EVP_PKEY_free(ca_key_);
    X509_free(ca_cert_);
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

pem_files test_pki::server(std::string_view name, long serial, std::vector<std::string> sans) {
    if (sans.empty()) {
        sans.emplace_back(name);
    }
    std::string alt;
    for (const auto& s : sans) {
        if (!alt.empty()) {
            alt += ',';
        }
        alt.append(is_ip(s) ? "IP:" : "DNS:").append(s);
    }
    return issue(name, serial, "serverAuth", alt);
}

pem_files test_pki::client(std::string_view name, long serial) {
    return issue(name, serial, "clientAuth", {});
}

pem_files test_pki::issue(std::string_view name, long serial, const std::string& extended_usage,
                          const std::string& alt_names) {
    key_ptr key = new_key();
    std::vector<std::pair<int, std::string>> extensions{{NID_basic_constraints, "CA:FALSE"},
                                                        {NID_ext_key_usage, extended_usage}};
    if (!alt_names.empty()) {
        extensions.emplace_back(NID_subject_alt_name, alt_names);
    }
    cert_ptr cert = new_cert(key.get(), name, serial, ca_cert_, extensions);
    if (X509_sign(cert.get(), ca_key_, EVP_sha256()) == 0) {
        fail("signing " + std::string{name});
    }
    std::string stem = directory_;
    stem.append("/").append(name).append("-").append(std::to_string(serial));
    pem_files files{stem + ".pem", stem + ".key"};
    write_pem(files.cert, cert.get(), nullptr);
    write_pem(files.key, nullptr, key.get());
    return files;
}

}  // namespace echo::testing
