// tls_stage against a real OpenSSL client over memory BIOs, no sockets: handshakes
// (1.2 and 1.3) with the client's bytes cut at every offset, echo, close_notify
// both ways, each failure reason, SNI, ALPN, client certificates, resumption and
// ticket-key rotation; the TLS stage under a pass-through stage in a chain; and
// what its observer writes to the log and tells the application.
#include "core/chunk_pool.hpp"
#include "core/tls_settings.hpp"
#include "pipeline/chain.hpp"
#include "support/memory_client.hpp"
#include "support/test_pki.hpp"
#include "tls/ticket_keys.hpp"
#include "tls/tls_context.hpp"
#include "tls/tls_observer.hpp"
#include "tls/tls_stage.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace {

namespace core = echo::core;
namespace pipeline = echo::pipeline;
using echo::testing::client_config;
using echo::testing::memory_client;
using echo::testing::pem_files;
using echo::testing::test_pki;
using echo::tls::tls_context;
using echo::tls::tls_stage;
using pipeline::stage_state;

constexpr std::uint32_t kChunkSize = 16 * 1024;

std::span<const std::byte> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string as_text(std::span<const std::byte> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

struct free_session {
    void operator()(SSL_SESSION* s) const noexcept { SSL_SESSION_free(s); }
};
using session_ptr = std::unique_ptr<SSL_SESSION, free_session>;

// Where to cut the client's n-th flight (its bytes between two server replies)
// of `size` bytes: the offsets of the cuts, ascending, inside (0, size).
using cutter = std::function<std::vector<std::size_t>(int flight, std::size_t size)>;

// The server side: a tls_stage and what it has let through.
class server_end {
public:
    server_end(std::shared_ptr<const tls_context> context, std::uint32_t chunk_size = kChunkSize)
        : pool_(chunk_size, 64), stage_(tls_stage::make(std::move(context), pool_)) {
        EXPECT_NE(stage_, nullptr);
    }

    // Pushes `bytes` as one chunk per piece between cuts (and per pool chunk),
    // pulling after each piece, as the worker does after each receive.
    void push(std::string_view bytes, const std::vector<std::size_t>& cuts = {}) {
        std::size_t at = 0;
        std::vector<std::size_t> ends;
        std::copy_if(cuts.begin(), cuts.end(), std::back_inserter(ends),
                     [&](std::size_t cut) { return cut > 0 && cut < bytes.size(); });
        ends.push_back(bytes.size());
        for (const std::size_t end : ends) {
            while (at < end) {
                auto c = pool_.acquire();
                const std::size_t n = std::min<std::size_t>(end - at, c->capacity);
                std::memcpy(c->data, bytes.data() + at, n);
                c->end = static_cast<std::uint32_t>(n);
                at += n;
                stage_->push_inbound(std::move(c));
            }
            pull();
        }
    }
    void pull() {
        while (auto c = stage_->pull_inbound()) {
            // The stage's promise: no plaintext before the handshake is over.
            EXPECT_EQ(stage_->state(), stage_state::open);
            plaintext_ += as_text(c->payload());
        }
    }
    std::string take_wire() {
        std::string out;
        auto& wire = stage_->wire();
        while (auto c = wire.pop_front()) {
            out += as_text(c->payload());
        }
        return out;
    }
    std::string take_plaintext() { return std::exchange(plaintext_, {}); }
    tls_stage& stage() { return *stage_; }
    core::chunk_pool& pool() { return pool_; }

private:
    core::chunk_pool pool_;  // outlives the stage, which gives chunks back to it
    std::unique_ptr<tls_stage> stage_;
    std::string plaintext_;
};

// Moves bytes both ways until neither side has more to say. The client's flights
// are numbered from `flight` on and cut where `cut` says.
void converse(memory_client& client, server_end& server, const cutter& cut = {},
              int* flight = nullptr) {
    for (int round = 0; round < 64; ++round) {
        client.step();
        const std::string out = client.take_output();
        if (!out.empty()) {
            const int n = flight != nullptr ? (*flight)++ : 0;
            server.push(out, cut ? cut(n, out.size()) : std::vector<std::size_t>{});
        } else {
            server.pull();
        }
        const std::string back = server.take_wire();
        if (out.empty() && back.empty()) {
            return;
        }
        client.give_input(back);
    }
    ADD_FAILURE() << "the conversation did not settle in 64 rounds";
}

// As converse() above, through a whole chain; what reaches the application is
// appended to `up`.
void converse(memory_client& client, pipeline::chain& chain, core::chunk_pool& pool,
              std::string& up) {
    for (int round = 0; round < 64; ++round) {
        client.step();
        const std::string out = client.take_output();
        if (!out.empty()) {
            auto c = pool.acquire();
            std::memcpy(c->data, out.data(), out.size());
            c->end = static_cast<std::uint32_t>(out.size());
            chain.push_wire(std::move(c));
        }
        while (auto c = chain.pull_app()) {
            up += as_text(c->payload());
        }
        std::string back;
        while (auto c = chain.wire().pop_front()) {
            back += as_text(c->payload());
        }
        if (out.empty() && back.empty()) {
            return;
        }
        client.give_input(back);
    }
    ADD_FAILURE() << "the chain did not settle";
}

class TlsStage : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        pki_ = new test_pki("echo-test-ca");
        foreign_pki_ = new test_pki("foreign-ca");
        localhost_ = pki_->server("localhost", 0x1001, {"localhost", "127.0.0.1"});
        other_ = pki_->server("other.test", 0x1002, {"other.test", "*.other.test"});
        good_client_ = pki_->client("good-client", 0x2001);
        stranger_ = foreign_pki_->client("stranger", 0x2002);
    }
    static void TearDownTestSuite() {
        delete pki_;
        delete foreign_pki_;
    }

    // A context over the localhost certificate, changed by `adjust`.
    std::shared_ptr<const tls_context> context(
        const std::function<void(core::tls_settings&)>& adjust = {}) {
        core::tls_settings s;
        s.identities.push_back({localhost_.cert, localhost_.key});
        if (adjust) {
            adjust(s);
        }
        std::vector<std::string> warnings;
        auto made = tls_context::load(s, "tls://test", keys_, warnings);
        EXPECT_TRUE(warnings.empty());
        return made;
    }

    // One whole session: handshake with every client flight cut by `cut`, then the
    // client's message echoed back. Returns the number of client flights.
    static int echo_session(const std::shared_ptr<const tls_context>& ctx, int max_version,
                            const cutter& cut) {
        memory_client client{client_config{}.up_to(max_version)};
        server_end server{ctx};
        int flight = 0;
        converse(client, server, cut, &flight);
        EXPECT_TRUE(client.done());
        EXPECT_EQ(server.stage().state(), stage_state::open) << server.stage().failure();
        const std::string message = "every byte comes back, in order";
        client.write(message);
        converse(client, server, cut, &flight);
        const std::string plain = server.take_plaintext();
        EXPECT_EQ(plain, message);
        EXPECT_EQ(server.stage().push_outbound(as_bytes(plain)), plain.size());
        converse(client, server);
        EXPECT_EQ(client.take_received(), message);
        EXPECT_FALSE(client.failed());
        return flight;
    }

    static test_pki* pki_;
    static test_pki* foreign_pki_;
    static pem_files localhost_, other_, good_client_, stranger_;
    std::shared_ptr<echo::tls::ticket_keys> keys_ = std::make_shared<echo::tls::ticket_keys>();
};

test_pki* TlsStage::pki_ = nullptr;
test_pki* TlsStage::foreign_pki_ = nullptr;
pem_files TlsStage::localhost_, TlsStage::other_, TlsStage::good_client_, TlsStage::stranger_;

TEST_F(TlsStage, HandshakesAndEchoesOverTls12And13) {
    const auto ctx = context();
    for (const auto& [max_version, name] :
         {std::pair{TLS1_2_VERSION, "TLSv1.2"}, std::pair{TLS1_3_VERSION, "TLSv1.3"}}) {
        memory_client client{client_config{}.up_to(max_version)};
        server_end server{ctx};
        EXPECT_EQ(server.stage().state(), stage_state::opening);
        // Nothing can be sent before the handshake.
        EXPECT_EQ(server.stage().push_outbound(as_bytes("early")), 0U);
        converse(client, server);
        ASSERT_EQ(server.stage().state(), stage_state::open) << server.stage().failure();
        EXPECT_EQ(server.stage().facts().version, name);
        EXPECT_EQ(SSL_version(client.ssl()), max_version);
        EXPECT_FALSE(server.stage().facts().resumed);
        client.write("ping");
        converse(client, server);
        EXPECT_EQ(server.take_plaintext(), "ping");
        EXPECT_EQ(server.stage().push_outbound(as_bytes("pong")), 4U);
        converse(client, server);
        EXPECT_EQ(client.take_received(), "pong");
        EXPECT_EQ(server.stage().held(), 0U);
    }
}

// muduo's rule: a parser is tested at every split point of its input. Each client
// flight (hello, finished, data) is cut in two at every offset, in turn.
TEST_F(TlsStage, EveryTwoWaySplitOfEveryClientFlight) {
    const auto ctx = context([](core::tls_settings& s) { s.alpn = {"echo"}; });
    for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        std::vector<std::size_t> sizes;
        const int flights = echo_session(ctx, version, [&](int, std::size_t size) {
            sizes.push_back(size);
            return std::vector<std::size_t>{};
        });
        ASSERT_EQ(flights, 3) << "hello, finished, data";
        int sessions = 0;
        for (int flight = 0; flight < flights; ++flight) {
            for (std::size_t at = 1; at < sizes[static_cast<std::size_t>(flight)]; ++at) {
                SCOPED_TRACE("version " + std::to_string(version) + " flight " +
                             std::to_string(flight) + " cut at " + std::to_string(at));
                echo_session(ctx, version, [&](int n, std::size_t) {
                    return n == flight ? std::vector<std::size_t>{at} : std::vector<std::size_t>{};
                });
                ++sessions;
                if (HasFailure()) {
                    return;
                }
            }
        }
        // A ClientHello alone is well over 100 bytes: the loop really ran.
        EXPECT_GT(sessions, 150) << version;
    }
}

TEST_F(TlsStage, ByteByByte) {
    const auto ctx = context();
    for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        std::size_t pieces = 0;
        echo_session(ctx, version, [&](int, std::size_t size) {
            std::vector<std::size_t> every(size - 1);
            std::iota(every.begin(), every.end(), 1);
            pieces += size;
            return every;
        });
        EXPECT_GT(pieces, 200U) << version;
    }
}

TEST_F(TlsStage, LargeRecordsIntoSmallChunks) {
    // Pool chunks of 1 KiB: one 16 KiB record comes out as many chunks
    // (OpenSSL holds the rest of the record as pending plaintext).
    memory_client client{client_config{}};
    server_end server{context(), 1024};
    converse(client, server);
    std::string big(100'000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>('a' + i % 26);
    }
    client.write(big);
    converse(client, server);
    EXPECT_EQ(server.take_plaintext(), big);
}

// Clients send their first request right behind their Finished: the record that
// opens the stage may carry plaintext already.
TEST_F(TlsStage, DataInTheSameFlightAsTheClientsFinished) {
    for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        memory_client client{client_config{}.up_to(version)};
        server_end server{context()};
        client.step();
        server.push(client.take_output());
        client.give_input(server.take_wire());
        client.step();
        if (version == TLS1_2_VERSION) {
            // 1.2 waits for the server's Finished; the client's request follows it.
            ASSERT_FALSE(client.done());
            server.push(client.take_output());
            EXPECT_EQ(server.stage().state(), stage_state::open);
            client.give_input(server.take_wire());
            client.step();
        }
        ASSERT_TRUE(client.done());
        client.write("request");
        server.push(client.take_output());
        EXPECT_EQ(server.stage().state(), stage_state::open) << version;
        EXPECT_EQ(server.take_plaintext(), "request") << version;
    }
}

TEST_F(TlsStage, GarbageAfterTheHandshakeIsAProtocolFailure) {
    memory_client client{client_config{}};
    server_end server{context()};
    converse(client, server);
    ASSERT_EQ(server.stage().state(), stage_state::open);
    // An application-data record whose tag cannot check out.
    const std::string forged = std::string{"\x17\x03\x03\x00\x20", 5} + std::string(32, 'x');
    server.push(forged);
    EXPECT_EQ(server.stage().state(), stage_state::failed);
    EXPECT_EQ(server.stage().failure(), "protocol");
    EXPECT_TRUE(server.stage().inbound_finished());
    EXPECT_FALSE(server.take_wire().empty()) << "an alert for the client";
    EXPECT_EQ(server.stage().push_outbound(as_bytes("x")), 0U);
}

TEST_F(TlsStage, ClientClosesFirstAndTheServerStillSends) {
    memory_client client{client_config{}};
    server_end server{context()};
    converse(client, server);
    client.write("last words");
    client.close();
    converse(client, server);
    EXPECT_EQ(server.take_plaintext(), "last words");
    EXPECT_TRUE(server.stage().inbound_finished());
    EXPECT_EQ(server.stage().state(), stage_state::open);
    EXPECT_EQ(server.stage().push_outbound(as_bytes("reply after close")), 17U);
    converse(client, server);
    EXPECT_EQ(client.take_received(), "reply after close");
    EXPECT_FALSE(client.peer_closed());
    server.stage().outbound_ended();
    EXPECT_EQ(server.stage().push_outbound(as_bytes("too late")), 0U);
    converse(client, server);
    EXPECT_TRUE(client.peer_closed());
    EXPECT_FALSE(client.failed());
}

TEST_F(TlsStage, ServerClosesFirstAndTheClientStillSends) {
    memory_client client{client_config{}};
    server_end server{context()};
    converse(client, server);
    server.stage().outbound_ended();
    EXPECT_FALSE(server.stage().wire().empty()) << "close_notify";
    converse(client, server);
    EXPECT_TRUE(client.peer_closed());
    EXPECT_FALSE(server.stage().inbound_finished());
    client.write("still talking");
    converse(client, server);
    EXPECT_EQ(server.take_plaintext(), "still talking");
    client.close();
    converse(client, server);
    EXPECT_TRUE(server.stage().inbound_finished());
    EXPECT_EQ(server.stage().state(), stage_state::open);
}

TEST_F(TlsStage, EndOfStreamWithoutCloseNotifyEndsInputOnly) {
    memory_client client{client_config{}};
    server_end server{context()};
    converse(client, server);
    client.write("then the FIN");
    converse(client, server);
    server.stage().inbound_ended();
    server.pull();
    EXPECT_EQ(server.take_plaintext(), "then the FIN");
    EXPECT_TRUE(server.stage().inbound_finished());
    EXPECT_EQ(server.stage().state(), stage_state::open);
}

TEST_F(TlsStage, GarbageInsteadOfAClientHelloIsNotTls) {
    for (const char* garbage : {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "hello, echo server\n",
                                "SSH-2.0-OpenSSH_9.2\r\n"}) {
        server_end server{context()};
        server.push(garbage);
        EXPECT_EQ(server.stage().state(), stage_state::failed) << garbage;
        EXPECT_EQ(server.stage().failure(), "not_tls") << garbage;
        EXPECT_TRUE(server.stage().inbound_finished());
        // A failed stage stays failed and takes nothing more either way.
        (void)server.take_wire();
        server.push("more bytes");
        EXPECT_EQ(server.stage().held(), 0U);
        EXPECT_EQ(server.stage().push_outbound(as_bytes("x")), 0U);
        EXPECT_EQ(server.stage().state(), stage_state::failed);
    }
}

TEST_F(TlsStage, EndOfStreamMidHandshakeIsEof) {
    const auto ctx = context();
    // After a whole ClientHello, and after half of one.
    for (const bool half : {false, true}) {
        memory_client client{client_config{}};
        server_end server{ctx};
        client.step();
        const std::string hello = client.take_output();
        server.push(half ? hello.substr(0, hello.size() / 2) : hello);
        EXPECT_EQ(server.stage().state(), stage_state::opening);
        EXPECT_EQ(server.take_wire().empty(), half) << "a ServerHello only for a whole hello";
        server.stage().inbound_ended();
        server.pull();
        EXPECT_EQ(server.stage().state(), stage_state::failed) << half;
        EXPECT_EQ(server.stage().failure(), "eof") << half;
    }
}

TEST_F(TlsStage, MinimumTls13RefusesATls12Client) {
    memory_client client{client_config{}.up_to(TLS1_2_VERSION)};
    server_end server{context([](core::tls_settings& s) { s.min = core::tls_version::v1_3; })};
    converse(client, server);
    EXPECT_EQ(server.stage().state(), stage_state::failed);
    EXPECT_EQ(server.stage().failure(), "version");
    EXPECT_TRUE(client.failed());
    // The same server takes a 1.3 client.
    memory_client modern{client_config{}};
    server_end again{context([](core::tls_settings& s) { s.min = core::tls_version::v1_3; })};
    converse(modern, again);
    EXPECT_EQ(again.stage().state(), stage_state::open);
}

TEST_F(TlsStage, SniChoosesTheCertificate) {
    const auto ctx = context([&](core::tls_settings& s) {
        s.identities.push_back({other_.cert, other_.key});
    });
    const std::pair<const char*, long> cases[] = {
        {"other.test", 0x1002}, {"www.other.test", 0x1002}, {"localhost", 0x1001},
        {"unknown.test", 0x1001}, {"", 0x1001}};
    for (const auto& [name, serial] : cases) {
        for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
            memory_client client{client_config{}.up_to(version).naming(name)};
            server_end server{ctx};
            converse(client, server);
            ASSERT_EQ(server.stage().state(), stage_state::open) << name;
            EXPECT_EQ(client.server_serial(), serial) << name << " " << version;
            EXPECT_EQ(server.stage().facts().sni, name);
        }
    }
}

TEST_F(TlsStage, AlpnPrefersTheServersOrderAndRecordsTheOffer) {
    const auto ctx = context([](core::tls_settings& s) { s.alpn = {"echo", "h2"}; });
    struct alpn_case {
        std::vector<std::string> offered;
        const char* chosen;
        const char* noted;
    };
    const alpn_case cases[] = {{{"h2", "echo"}, "echo", "h2,echo"},
                               {{"h2", "x"}, "h2", "h2,x"},
                               {{"http/1.1"}, "", "http/1.1"},
                               {{}, "", ""}};
    for (const auto& [offered, chosen, noted] : cases) {
        memory_client client{client_config{}.offering(offered)};
        server_end server{ctx};
        converse(client, server);
        ASSERT_EQ(server.stage().state(), stage_state::open) << noted;
        const auto facts = server.stage().facts();
        EXPECT_EQ(facts.alpn, chosen) << noted;
        EXPECT_EQ(facts.offered_alpn, noted);
        const unsigned char* got = nullptr;
        unsigned int length = 0;
        SSL_get0_alpn_selected(client.ssl(), &got, &length);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(got), length), chosen);
    }
}

TEST_F(TlsStage, ClientCertificatesRequiredOrOptional) {
    struct mtls_case {
        core::tls_verify verify;
        const pem_files* identity;
        const char* failure;  // "" when the handshake succeeds
        bool verified;
    };
    const mtls_case cases[] = {
        {core::tls_verify::require, &good_client_, "", true},
        {core::tls_verify::require, nullptr, "no_client_cert", false},
        {core::tls_verify::require, &stranger_, "bad_client_cert", false},
        {core::tls_verify::optional, &good_client_, "", true},
        {core::tls_verify::optional, nullptr, "", false},
        // optional asks, and still refuses a certificate it cannot check (as
        // nginx's "optional" does; there is no "optional_no_ca" here).
        {core::tls_verify::optional, &stranger_, "bad_client_cert", false},
    };
    for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        for (const auto& [verify, identity, failure, verified] : cases) {
            SCOPED_TRACE(std::to_string(version) + " verify " +
                         std::to_string(static_cast<int>(verify)) + " " +
                         (identity != nullptr ? identity->cert : "no certificate"));
            // A copy: clang 14 cannot capture a structured binding (C++20 allows it).
            const core::tls_verify wanted = verify;
            const auto ctx = context([&](core::tls_settings& s) {
                s.ca = pki_->ca_file();
                s.verify = wanted;
            });
            memory_client client{client_config{}.up_to(version).presenting(
                identity != nullptr ? *identity : pem_files{})};
            server_end server{ctx};
            converse(client, server);
            if (*failure != '\0') {
                EXPECT_EQ(server.stage().state(), stage_state::failed);
                EXPECT_EQ(server.stage().failure(), failure);
                continue;
            }
            ASSERT_EQ(server.stage().state(), stage_state::open) << server.stage().failure();
            const auto facts = server.stage().facts();
            EXPECT_EQ(facts.client_cert, identity != nullptr);
            EXPECT_EQ(facts.client_verified, verified);
            EXPECT_EQ(facts.client_subject, identity != nullptr ? "/CN=good-client" : "");
        }
    }
}

// A full handshake, then the client's session for the next one.
session_ptr first_session(const std::shared_ptr<const tls_context>& ctx, int version) {
    memory_client client{client_config{}.up_to(version)};
    server_end server{ctx};
    converse(client, server);
    EXPECT_EQ(server.stage().state(), stage_state::open);
    EXPECT_FALSE(server.stage().facts().resumed);
    session_ptr session{SSL_get1_session(client.ssl())};
    // Closed both ways with close_notify: OpenSSL drops the session of a
    // connection that just went away (SSL_free before SSL_shutdown).
    client.close();
    converse(client, server);
    EXPECT_TRUE(server.stage().inbound_finished());
    server.stage().outbound_ended();
    converse(client, server);
    EXPECT_TRUE(client.peer_closed());
    EXPECT_TRUE(session && SSL_SESSION_is_resumable(session.get()) == 1) << "a ticket arrived";
    return session;
}

bool resumes(const std::shared_ptr<const tls_context>& ctx, int version, SSL_SESSION* session) {
    memory_client client{client_config{}.up_to(version).resuming(session)};
    server_end server{ctx};
    converse(client, server);
    EXPECT_EQ(server.stage().state(), stage_state::open);
    EXPECT_EQ(SSL_session_reused(client.ssl()) == 1, server.stage().facts().resumed);
    return server.stage().facts().resumed;
}

TEST_F(TlsStage, SessionsResume) {
    const auto ctx = context();
    for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        const auto session = first_session(ctx, version);
        EXPECT_TRUE(resumes(ctx, version, session.get())) << version;
    }
}

// TLS 1.3 resumes by ticket only (1.2 also finds the session in the server's
// cache by its id, whatever became of the ticket key).
TEST_F(TlsStage, ATicketOutlivesOneKeyRotationButNotTwo) {
    const auto ctx = context();
    const auto session = first_session(ctx, TLS1_3_VERSION);
    keys_->rotate();
    EXPECT_TRUE(resumes(ctx, TLS1_3_VERSION, session.get()));
    keys_->rotate();
    EXPECT_FALSE(resumes(ctx, TLS1_3_VERSION, session.get()));
    EXPECT_EQ(keys_->rotations(), 3U);  // made, then rotated twice
}

// A stage above TLS that passes bytes through, taking at most `limit` bytes per
// push_outbound so the chain has to hold and carry the rest later.
class pass_through final : public pipeline::stage {
public:
    pass_through(core::chunk_pool& pool, std::size_t limit) : pool_(pool), limit_(limit) {}
    void push_inbound(core::chunk_ptr bytes) noexcept override { in_.push_back(std::move(bytes)); }
    void inbound_ended() noexcept override { in_ended_ = true; }
    core::chunk_ptr pull_inbound() noexcept override { return in_.pop_front(); }
    bool inbound_finished() const noexcept override { return in_ended_ && in_.empty(); }
    std::size_t push_outbound(std::span<const std::byte> bytes) noexcept override {
        if (bytes.empty()) {
            return 0;
        }
        auto c = pool_.acquire();
        const std::size_t n = std::min({bytes.size(), limit_, std::size_t{c->capacity}});
        std::memcpy(c->data, bytes.data(), n);
        c->end = static_cast<std::uint32_t>(n);
        wire_.push_back(std::move(c));
        return n;
    }
    void outbound_ended() noexcept override { out_ended_ = true; }
    core::chunk_list& wire() noexcept override { return wire_; }
    stage_state state() const noexcept override { return stage_state::open; }
    std::string_view failure() const noexcept override { return {}; }
    std::size_t held() const noexcept override { return in_.count() + wire_.count(); }
    bool out_ended() const noexcept { return out_ended_; }

private:
    core::chunk_pool& pool_;
    std::size_t limit_;
    core::chunk_list in_, wire_;
    bool in_ended_ = false;
    bool out_ended_ = false;
};

TEST_F(TlsStage, ChainCarriesBytesUpAndDownInOrder) {
    core::chunk_pool pool{kChunkSize, 64};
    auto tls = tls_stage::make(context(), pool);
    ASSERT_NE(tls, nullptr);
    auto top = std::make_unique<pass_through>(pool, 1000);
    const pass_through* above = top.get();
    std::vector<std::unique_ptr<pipeline::stage>> stages;
    stages.push_back(std::move(tls));
    stages.push_back(std::move(top));
    pipeline::chain chain{std::move(stages)};
    ASSERT_NE(chain.find<tls_stage>(), nullptr);
    EXPECT_EQ(chain.state(), stage_state::opening);

    memory_client client{client_config{}};
    std::string up;  // what reached the application
    const auto exchange = [&] { converse(client, chain, pool, up); };
    // Written by the application before TLS is open: held above it, sent after.
    const std::string early = "said before the handshake ended;";
    EXPECT_EQ(chain.push_app(as_bytes(early)), early.size());
    EXPECT_TRUE(chain.wire().empty());
    EXPECT_GT(chain.held(), 0U);
    exchange();
    ASSERT_EQ(chain.state(), stage_state::open) << chain.failure();

    std::string up_expected, down_expected = early;
    for (int i = 0; i < 40; ++i) {
        const std::string line = "line " + std::to_string(i) + std::string(200 + i * 37, '.') + "\n";
        client.write(line);
        up_expected += line;
        std::size_t at = 0;  // the pass-through takes 1000 bytes per call
        while (at < line.size()) {
            at += chain.push_app(as_bytes(line).subspan(at));
        }
        down_expected += line;
        exchange();
    }
    EXPECT_EQ(up, up_expected);
    EXPECT_EQ(client.take_received(), down_expected);
    EXPECT_EQ(chain.held(), 0U);

    client.close();
    exchange();
    EXPECT_TRUE(chain.app_input_finished());
    chain.app_ended();
    EXPECT_TRUE(above->out_ended());
    exchange();
    EXPECT_TRUE(client.peer_closed()) << "close_notify came down through both stages";
}

// A subject with a comma and spaces: the log line escapes it (log_safe), the
// application (whose echo JSON-escapes it) gets it as the certificate says.
TEST_F(TlsStage, ObserverLogsTheSubjectEscapedAndTellsTheApplicationItAsIs) {
    const auto alice = pki_->client("Alice Smith, Inc.", 0x2003);
    const auto ctx = context([&](core::tls_settings& s) {
        s.ca = pki_->ca_file();
        s.verify = core::tls_verify::require;
    });
    core::chunk_pool pool{kChunkSize, 64};
    std::vector<std::unique_ptr<pipeline::stage>> stages;
    stages.push_back(tls_stage::make(ctx, pool));
    pipeline::chain chain{std::move(stages)};
    memory_client client{client_config{}.presenting(alice)};
    std::string up;
    converse(client, chain, pool, up);
    ASSERT_EQ(chain.state(), stage_state::open) << chain.failure();
    const auto value = [](const pipeline::log_fields& fields, std::string_view key) {
        for (const auto& [k, v] : fields) {
            if (k == key) {
                return v;
            }
        }
        return std::string{"(missing)"};
    };
    echo::tls::tls_observer observer{"tls://test"};
    pipeline::log_fields logged;
    observer.opened(chain, std::chrono::milliseconds{1}, logged);
    EXPECT_EQ(value(logged, "client_cert"), "/CN=Alice\\x20Smith\\x2c\\x20Inc.");
    pipeline::log_fields told;
    observer.app_facts(chain, told);
    EXPECT_EQ(value(told, "client_cert"), "/CN=Alice Smith, Inc.");
    EXPECT_EQ(value(told, "client_verify"), "ok");
    EXPECT_EQ(value(told, "sni"), value(logged, "sni"));
    EXPECT_EQ(value(told, "tls_version"), value(logged, "tls_version"));
}

}  // namespace
