// The TLS stage's data path allocates no buffer after the handshake: every OpenSSL
// allocation and every operator new made inside the stage's calls is counted while
// a real OpenSSL client echoes messages through it. Its own binary, because
// OpenSSL's allocator can only be replaced before OpenSSL's first allocation.
// OpenSSL 3.0's record writer itself takes a 40-byte WPACKET_SUB from malloc for
// every record it writes (crypto/packet.c); that is counted apart, and bounded.
#include "core/chunk_pool.hpp"
#include "tls/tls_context.hpp"
#include "tls/tls_stage.hpp"

#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

namespace {

// Counted only while `counting` is set, i.e. inside the server stage's calls.
thread_local bool counting = false;
std::size_t allocations = 0;        // ours (operator new) and OpenSSL's of 1 KiB and more
std::size_t small_openssl = 0;      // OpenSSL's below 1 KiB (its per-record bookkeeping)

void count_openssl(std::size_t n) {
    if (counting) {
        (n >= 1024 ? allocations : small_openssl) += 1;
    }
}
void* counted_malloc(std::size_t n, const char*, int) {
    count_openssl(n);
    return std::malloc(n);
}
void* counted_realloc(void* p, std::size_t n, const char*, int) {
    count_openssl(n);
    return std::realloc(p, n);
}
void counted_free(void* p, const char*, int) { std::free(p); }

struct counted_scope {
    counted_scope() { counting = true; }
    ~counted_scope() { counting = false; }
};

}  // namespace

// The replacements pair operator new with malloc and delete with free on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    allocations += counting;
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc{};
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    allocations += counting;
    return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

using namespace echo;

// A self-signed P-256 certificate for "localhost", written as PEM files.
struct certificate_files {
    std::filesystem::path dir, cert, key;
    certificate_files() {
        char tmpl[] = "/tmp/echo-tls-hot-XXXXXX";
        dir = ::mkdtemp(tmpl);
        cert = dir / "cert.pem";
        key = dir / "key.pem";
        EVP_PKEY* pkey = EVP_EC_gen("P-256");
        X509* x = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
        X509_gmtime_adj(X509_getm_notBefore(x), 0);
        X509_gmtime_adj(X509_getm_notAfter(x), 86400);
        X509_set_pubkey(x, pkey);
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(x, name);
        X509_sign(x, pkey, EVP_sha256());
        FILE* f = std::fopen(cert.c_str(), "w");
        PEM_write_X509(f, x);
        std::fclose(f);
        f = std::fopen(key.c_str(), "w");
        PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(f);
        X509_free(x);
        EVP_PKEY_free(pkey);
    }
    ~certificate_files() { std::filesystem::remove_all(dir); }
};

// An OpenSSL client on memory BIOs, wired to a server stage by hand.
class hot_path : public ::testing::TestWithParam<int> {
protected:
    static void SetUpTestSuite() { files_ = new certificate_files; }
    static void TearDownTestSuite() { delete files_; }

    void SetUp() override {
        core::tls_settings settings;
        settings.identities.push_back({files_->cert, files_->key});
        std::vector<std::string> warnings;
        context_ = tls::tls_context::load(settings, "test", nullptr, warnings);
        stage_ = tls::tls_stage::make(context_, pool_);
        ASSERT_TRUE(stage_);
        client_ctx_ = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(client_ctx_, GetParam());
        SSL_CTX_set_max_proto_version(client_ctx_, GetParam());
        client_ = SSL_new(client_ctx_);
        to_client_ = BIO_new(BIO_s_mem());
        to_server_ = BIO_new(BIO_s_mem());
        SSL_set_bio(client_, to_client_, to_server_);
        SSL_set_connect_state(client_);
    }
    void TearDown() override {
        SSL_free(client_);
        SSL_CTX_free(client_ctx_);
    }

    // Client bytes into the stage, the stage's plaintext back out through it (the
    // echo), and its wire bytes to the client. Returns the plaintext bytes echoed.
    std::size_t exchange() {
        std::size_t echoed = 0;
        char buf[16384];
        int n = 0;
        while ((n = BIO_read(to_server_, buf, sizeof buf)) > 0) {
            auto c = pool_.acquire();
            std::memcpy(c->data, buf, static_cast<std::size_t>(n));
            c->end = static_cast<std::uint32_t>(n);
            const counted_scope scope;
            stage_->push_inbound(std::move(c));
        }
        {
            const counted_scope scope;
            while (auto plain = stage_->pull_inbound()) {
                echoed += stage_->push_outbound(plain->payload());
            }
        }
        auto& wire = stage_->wire();
        while (!wire.empty()) {
            const auto bytes = wire.front()->payload();
            BIO_write(to_client_, bytes.data(), static_cast<int>(bytes.size()));
            const counted_scope scope;
            (void)wire.pop_front();
        }
        return echoed;
    }

    void handshake() {
        for (int i = 0; i < 10 && SSL_do_handshake(client_) != 1; ++i) {
            exchange();
        }
        ASSERT_EQ(SSL_is_init_finished(client_), 1);
        exchange();
        ASSERT_EQ(stage_->state(), pipeline::stage_state::open);
    }

    // One message there and back; returns whether it came back whole.
    bool round_trip(const std::string& message) {
        SSL_write(client_, message.data(), static_cast<int>(message.size()));
        exchange();
        std::string got(message.size(), '\0');
        std::size_t have = 0;
        while (have < got.size()) {
            const int n = SSL_read(client_, got.data() + have, static_cast<int>(got.size() - have));
            if (n <= 0) {
                break;
            }
            have += static_cast<std::size_t>(n);
        }
        return got == message;
    }

    inline static certificate_files* files_ = nullptr;  // made after main() set the allocator
    core::chunk_pool pool_{16 * 1024, 64};
    std::shared_ptr<const tls::tls_context> context_;
    std::unique_ptr<tls::tls_stage> stage_;
    SSL_CTX* client_ctx_ = nullptr;
    SSL* client_ = nullptr;
    BIO* to_client_ = nullptr;
    BIO* to_server_ = nullptr;
};

TEST_P(hot_path, EchoAllocatesNothingAfterTheHandshake) {
    handshake();
    const std::string small(64, 's');
    const std::string large(16 * 1024, 'L');
    // Warm-up: the first records size OpenSSL's buffers and fill the chunk pool.
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(round_trip(small));
        ASSERT_TRUE(round_trip(large));
    }
    allocations = 0;
    small_openssl = 0;
    constexpr int kEchoes = 500;
    for (int i = 0; i < kEchoes; ++i) {
        ASSERT_TRUE(round_trip(i % 2 ? small : large)) << i;
    }
    EXPECT_EQ(allocations, 0u) << "buffer or C++ allocations inside the stage during 500 echoes";
    // Measured on OpenSSL 3.0: 4 per echo (the record writer's WPACKET bookkeeping).
    EXPECT_LE(small_openssl, 4u * kEchoes) << "OpenSSL's small allocations";
    // The counter counts: a stage made now allocates.
    {
        const counted_scope scope;
        auto another = tls::tls_stage::make(context_, pool_);
    }
    EXPECT_GT(allocations, 0u);
}

INSTANTIATE_TEST_SUITE_P(Versions, hot_path, ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const auto& version) {
                             return version.param == TLS1_3_VERSION ? std::string{"tls1_3"}
                                                                 : std::string{"tls1_2"};
                         });

}  // namespace

int main(int argc, char** argv) {
    // Before anything makes OpenSSL allocate.
    if (CRYPTO_set_mem_functions(counted_malloc, counted_realloc, counted_free) != 1) {
        std::fputs("cannot replace OpenSSL's allocator\n", stderr);
        return 1;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
