// The contract in io/engine.hpp, checked against every engine in this process over
// real loopback sockets: what is promised about receiving, closing, budgets and
// shared-resource exhaustion holds for epoll and io_uring alike.
#include "io/engine.hpp"
#include "io/epoll/epoll_engine.hpp"
#include "io/uring/uring_engine.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using echo::io::conn_token;
using echo::io::engine;
using echo::io::engine_event;

constexpr std::uint32_t kChunk = 16 * 1024;

struct engine_setup {
    std::string name;
    std::uint32_t buffers = 256;
    std::uint32_t sq_entries = 1024;
};

// gtest prints the parameter in test names and failures: its name says it all.
void PrintTo(const engine_setup& s, std::ostream* os) { *os << s.name; }

std::unique_ptr<engine> make(const engine_setup& s) {
    if (s.name == "epoll") {
        return echo::io::make_epoll_engine({kChunk, 16});
    }
    return echo::io::make_uring_engine({kChunk, s.buffers, std::min(s.buffers, 32U), s.sq_entries});
}

// Records every completion in order; tests decide what a callback does next.
struct recorder final : echo::io::completion_handler {
    struct event {
        enum kind { accept, recv, send, closed } what;
        conn_token token;
        int result;
        bool while_off;  // an on_recv that came while receiving was switched off
    };
    std::vector<event> events;
    std::vector<std::byte> received;
    std::vector<echo::core::chunk_ptr> kept;  // chunks held on purpose
    bool keep_chunks = false;
    bool receiving = true;  // as the test last set it
    std::function<void(conn_token, int)> after_recv;
    std::function<void(std::size_t, std::span<echo::io::datagram>)> on_batch;
    std::size_t datagrams_sent = 0;
    std::vector<int> accepted;

    void on_accept(std::size_t, int fd, const sockaddr*, socklen_t) override {
        events.push_back({event::accept, 0, fd, false});
        if (fd >= 0) {
            accepted.push_back(fd);
        }
    }
    void on_recv(conn_token t, int result, echo::core::chunk_ptr data) override {
        events.push_back({event::recv, t, result, !receiving});
        if (result > 0) {
            const auto p = data->payload();
            received.insert(received.end(), p.begin(), p.end());
            if (keep_chunks) {
                kept.push_back(std::move(data));
            }
        }
        if (after_recv) {
            after_recv(t, result);
        }
    }
    void on_send(conn_token t, int result) override {
        events.push_back({event::send, t, result, false});
    }
    void on_closed(conn_token t) override { events.push_back({event::closed, t, 0, false}); }
    void on_datagrams(std::size_t socket, std::span<echo::io::datagram> batch) override {
        if (on_batch) {
            on_batch(socket, batch);
        }
    }
    void on_datagrams_sent(std::size_t, std::size_t sent, std::size_t, std::size_t) override {
        datagrams_sent += sent;
    }
    void on_notify() override {}

    [[nodiscard]] std::size_t count(event::kind k, conn_token t) const {
        return static_cast<std::size_t>(std::count_if(
            events.begin(), events.end(), [&](const event& e) { return e.what == k && e.token == t; }));
    }
};

int listening_socket(std::uint16_t& port) {
    const int l = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(l, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(l, 64) != 0 ||
        ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        return -1;
    }
    port = ntohs(a.sin_port);
    return l;
}

int connect_to(std::uint16_t port) {
    const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? c : -1;
}

// A connected pair over loopback TCP: {client (blocking), server side (non-blocking)}.
std::pair<int, int> tcp_pair() {
    std::uint16_t port = 0;
    const int l = listening_socket(port);
    const int c = connect_to(port);
    const int s = ::accept4(l, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    ::close(l);
    return {c, s};
}

void write_all(int fd, const std::vector<std::byte>& bytes) {
    for (std::size_t at = 0; at < bytes.size();) {
        const ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
        if (n <= 0) {
            return;
        }
        at += static_cast<std::size_t>(n);
    }
}

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<std::byte>((i * 131 + seed * 7 + (i >> 9)) & 0xff);
    }
    return v;
}

class EngineContract : public ::testing::TestWithParam<engine_setup> {
protected:
    void SetUp() override {
        if (is_uring()) {
            if (auto why = echo::io::uring_unavailable()) {
                GTEST_SKIP() << "io_uring unavailable here: " << *why;
            }
        }
        engine_ = make(GetParam());
    }
    [[nodiscard]] bool is_uring() const { return GetParam().name.starts_with("io_uring"); }

    // Turns the loop until `done` holds or `limit` passes; false on timeout.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            engine_->wait(rec_, 10ms);
        }
        return true;
    }
    conn_token attach_pair(std::uint32_t index, int& client) {
        auto [c, s] = tcp_pair();
        client = c;
        const conn_token t = (conn_token{index + 1} << 32) | index;
        EXPECT_EQ(engine_->attach(t, s), 0);
        return t;
    }

    std::unique_ptr<engine> engine_;
    recorder rec_;
};

TEST_P(EngineContract, NoReceiveAfterSwitchedOffAndNothingLostWhenBackOn) {
    int client = -1;
    const conn_token t = attach_pair(0, client);
    const auto sent = pattern(512 * 1024, 1);
    std::thread writer([&] { write_all(client, sent); });
    rec_.after_recv = [&](conn_token c, int) {
        if (rec_.receiving) {  // the first chunk switches receiving off
            rec_.receiving = false;
            engine_->set_receiving(c, false);
        }
    };
    engine_->set_receiving(t, true);
    ASSERT_TRUE(run_until([&] { return !rec_.received.empty(); }));
    // Bytes keep arriving in the socket (and, for io_uring, in the kernel's
    // receive already in flight); none may be delivered while off.
    const std::size_t at_off = rec_.received.size();
    for (int i = 0; i < 20; ++i) {
        engine_->wait(rec_, 10ms);
    }
    EXPECT_EQ(rec_.received.size(), at_off);
    rec_.after_recv = nullptr;
    rec_.receiving = true;
    engine_->set_receiving(t, true);
    ASSERT_TRUE(run_until([&] { return rec_.received.size() >= sent.size(); }));
    writer.join();
    EXPECT_TRUE(std::none_of(rec_.events.begin(), rec_.events.end(),
                             [](const recorder::event& e) { return e.while_off; }));
    EXPECT_TRUE(rec_.received == sent) << "bytes lost or reordered around the pause";
    ::close(client);
    engine_->close(t);
    ASSERT_TRUE(run_until([&] { return rec_.count(recorder::event::closed, t) == 1; }));
}

TEST_P(EngineContract, CloseDuringASendDeliversNoSendAndOneClosed) {
    int client = -1;
    const conn_token t = attach_pair(1, client);
    const auto big = pattern(8 << 20, 2);  // more than loopback buffers hold: it stalls
    std::size_t sends_done = 0;
    // The client never reads, so some send stays in flight.
    for (int round = 0; round < 64; ++round) {
        engine_->send(t, {big.data(), big.size()});
        const std::size_t before = rec_.count(recorder::event::send, t);
        if (!run_until([&] { return rec_.count(recorder::event::send, t) > before; }, 300ms)) {
            break;
        }
        ++sends_done;
    }
    ASSERT_LT(sends_done, 64U) << "no send ever stalled: the case was not reached";
    const std::size_t sends_before_close = rec_.count(recorder::event::send, t);
    engine_->close(t);
    EXPECT_FALSE(engine_->is_open(t));
    ASSERT_TRUE(run_until([&] { return rec_.count(recorder::event::closed, t) == 1; }));
    for (int i = 0; i < 5; ++i) {
        engine_->wait(rec_, 10ms);
    }
    EXPECT_EQ(rec_.count(recorder::event::send, t), sends_before_close);
    EXPECT_EQ(rec_.count(recorder::event::closed, t), 1U);
    ::close(client);
}

// What the client reads until its socket ends: the bytes, then 0 (a FIN) or -errno.
std::pair<std::size_t, int> read_to_end(int client) {
    std::size_t got = 0;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(client, buf, sizeof buf);
        if (n <= 0) {
            return {got, n == 0 ? 0 : -errno};
        }
        got += static_cast<std::size_t>(n);
    }
}

// Abort, with a receive armed (io_uring's cancel path) and after a send: the client
// reads what was sent, then a reset where close() gives it a FIN.
TEST_P(EngineContract, AbortResetsThePeerAfterTheBytesSentAndCloseDoesNot) {
    for (const bool abortive : {true, false}) {
        int client = -1;
        const conn_token t = attach_pair(abortive ? 7 : 8, client);
        engine_->set_receiving(t, true);
        const auto bytes = pattern(1000, 4);
        engine_->send(t, {bytes.data(), bytes.size()});
        ASSERT_TRUE(run_until([&] { return rec_.count(recorder::event::send, t) == 1; }));
        abortive ? engine_->abort(t) : engine_->close(t);
        EXPECT_FALSE(engine_->is_open(t));
        ASSERT_TRUE(run_until([&] { return rec_.count(recorder::event::closed, t) == 1; }));
        const auto [got, end] = read_to_end(client);
        EXPECT_EQ(got, bytes.size()) << (abortive ? "abort" : "close");
        EXPECT_EQ(end, abortive ? -ECONNRESET : 0) << (abortive ? "abort" : "close");
        ::close(client);
    }
}

TEST_P(EngineContract, CloseWhileReceivedBuffersAreStillHeld) {
    int client = -1;
    const conn_token t = attach_pair(2, client);
    rec_.keep_chunks = true;
    const auto sent = pattern(96 * 1024, 3);
    write_all(client, sent);
    engine_->set_receiving(t, true);
    ASSERT_TRUE(run_until([&] { return rec_.received.size() >= sent.size(); }));
    ASSERT_FALSE(rec_.kept.empty());
    engine_->close(t);
    ASSERT_TRUE(run_until([&] { return rec_.count(recorder::event::closed, t) == 1; }));
    rec_.kept.clear();  // buffers go back after their connection is gone
    ::close(client);
    // The engine still serves a new connection with the buffers it got back.
    rec_.keep_chunks = false;
    rec_.received.clear();
    int client2 = -1;
    const conn_token t2 = attach_pair(3, client2);
    const auto more = pattern(64 * 1024, 4);
    write_all(client2, more);
    engine_->set_receiving(t2, true);
    ASSERT_TRUE(run_until([&] { return rec_.received.size() >= more.size(); }));
    EXPECT_TRUE(rec_.received == more);
    ::close(client2);
}

TEST_P(EngineContract, OneFlatOutSenderGetsABudgetPerTurn) {
    if (GetParam().name == "io_uring_small") {
        GTEST_SKIP() << "a 4-buffer ring holds a turn below the budget by itself";
    }
    int hog_client = -1, probe_client = -1;
    const conn_token hog = attach_pair(4, hog_client);
    const conn_token probe = attach_pair(5, probe_client);
    std::size_t hog_bytes = 0, probe_bytes = 0, worst_turn = 0;
    rec_.after_recv = [&](conn_token c, int n) {
        (c == hog ? hog_bytes : probe_bytes) += static_cast<std::size_t>(std::max(n, 0));
    };
    engine_->set_receiving(hog, true);
    // First it behaves: small messages, each read on its own (io_uring then trusts
    // it with a multishot receive, which could deliver a whole socket buffer).
    const char small[16] = {};
    for (std::size_t i = 1; i <= 8; ++i) {
        ASSERT_EQ(::write(hog_client, small, sizeof small), 16);
        ASSERT_TRUE(run_until([&] { return hog_bytes == i * sizeof small; }));
    }
    hog_bytes = 0;
    const auto flood = pattern(2 << 20, 5);
    std::thread writer([&] { write_all(hog_client, flood); });
    const char ping[64] = {};
    ASSERT_EQ(::write(probe_client, ping, sizeof ping), 64);
    engine_->set_receiving(probe, true);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (hog_bytes < flood.size() && std::chrono::steady_clock::now() < deadline) {
        const std::size_t before = hog_bytes;
        engine_->wait(rec_, 10ms);
        worst_turn = std::max(worst_turn, hog_bytes - before);
    }
    writer.join();
    EXPECT_EQ(hog_bytes, flood.size());
    EXPECT_EQ(probe_bytes, 64U);
    // At most the budget, plus the one chunk that crossed it.
    EXPECT_LE(worst_turn, engine::kReadBudget + kChunk);
    EXPECT_GT(engine_->counters().get(engine_event::budget_yields), 0U)
        << "the flood never outlasted a turn's budget: the case was not reached";
    ::close(hog_client);
    ::close(probe_client);
}

TEST_P(EngineContract, AttachThatFailsRefusesThatConnectionOnly) {
    const int file = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(file, 0);
    const conn_token bad = (conn_token{7} << 32) | 6;
    const int rc = engine_->attach(bad, file);
    if (rc < 0) {
        EXPECT_FALSE(engine_->is_open(bad));  // refused: the fd is still ours
        EXPECT_EQ(engine_->counters().get(engine_event::attach_failures), 1U);
        ::close(file);
    } else {
        // Attached, then its first receive fails: the caller closes just that one.
        engine_->set_receiving(bad, true);
        ASSERT_TRUE(run_until([&] { return rec_.count(recorder::event::recv, bad) > 0; }));
        EXPECT_LT(rec_.events.back().result, 0);
        engine_->close(bad);
    }
    int client = -1;
    const conn_token good = attach_pair(7, client);
    const auto bytes = pattern(1000, 6);
    write_all(client, bytes);
    engine_->set_receiving(good, true);
    ASSERT_TRUE(run_until([&] { return rec_.received.size() >= bytes.size(); }));
    EXPECT_TRUE(rec_.received == bytes);
    ::close(client);
}

TEST_P(EngineContract, OutOfDescriptorsIsReportedAsAFailedAccept) {
    std::uint16_t port = 0;
    const int l = listening_socket(port);
    ASSERT_GE(l, 0);
    const int client = connect_to(port);  // made before the limit drops
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
    const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // lowest free fd
    ::close(probe);
    rlimit low = old;
    low.rlim_cur = static_cast<rlim_t>(probe);  // no descriptor left for accept
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    // Watched after the limit dropped: io_uring reads the limit when it prepares
    // the accept, as a long-running server that reached it would have it.
    engine_->watch_listener(0, l);
    rec_.after_recv = nullptr;
    const bool failed = run_until([&] {
        return std::any_of(rec_.events.begin(), rec_.events.end(), [](const recorder::event& e) {
            return e.what == recorder::event::accept && e.result < 0;
        });
    }, 5s);
    if (failed) {
        engine_->pause_listener(0);  // as the worker does, so the loop does not spin
    }
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
    ASSERT_TRUE(failed);
    const auto it = std::find_if(rec_.events.begin(), rec_.events.end(), [](const recorder::event& e) {
        return e.what == recorder::event::accept && e.result < 0;
    });
    EXPECT_EQ(it->result, -EMFILE);
    engine_->resume_listener(0);
    ASSERT_TRUE(run_until([&] { return !rec_.accepted.empty(); }));  // served once freed
    for (int fd : rec_.accepted) {
        ::close(fd);
    }
    engine_->unwatch_listener(0);
    engine_->wait(rec_, 0ms);
    ::close(client);
    ::close(l);
}

// Shared-resource exhaustion: more readable connections than receive buffers, and
// more operations in one turn than the submission queue holds.
TEST_P(EngineContract, ExhaustedBuffersAndAFullQueueLoseNothing) {
    constexpr int kConns = 24;
    std::vector<int> clients(kConns);
    std::vector<conn_token> tokens(kConns);
    for (int i = 0; i < kConns; ++i) {
        tokens[i] = attach_pair(static_cast<std::uint32_t>(10 + i), clients[i]);
        const auto bytes = pattern(64 * 1024, static_cast<unsigned>(i));
        write_all(clients[i], bytes);
    }
    std::vector<std::size_t> got(kConns);
    rec_.after_recv = [&](conn_token t, int n) {
        got[echo::io::token_index(t) - 10] += static_cast<std::size_t>(std::max(n, 0));
    };
    for (conn_token t : tokens) {  // all in one turn: more SQEs than a tiny queue holds
        engine_->set_receiving(t, true);
    }
    ASSERT_TRUE(run_until([&] {
        return std::all_of(got.begin(), got.end(), [](std::size_t n) { return n == 64 * 1024; });
    }, 20s));
    if (GetParam().name == "io_uring_small") {  // 4 buffers, 4 queue entries
        EXPECT_GT(engine_->counters().get(engine_event::buffer_waits), 0U)
            << "the ring never ran dry: the case was not reached";
        EXPECT_GT(engine_->counters().get(engine_event::sq_full), 0U)
            << "the submission queue never filled: the case was not reached";
    }
    for (int c : clients) {
        ::close(c);
    }
}

// What a fault needs from the datagram path: an echo changed in place and sent
// twice, and a datagram kept (its peer and control messages) sent later through
// send_datagrams, from the address it came to (the connected client takes nothing
// else).
TEST_P(EngineContract, DatagramsChangedDoubledAndSentLater) {
    const int server = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    ASSERT_EQ(::setsockopt(server, IPPROTO_IP, IP_PKTINFO, &on, sizeof on), 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&a), len), 0);
    ASSERT_EQ(::getsockname(server, reinterpret_cast<sockaddr*>(&a), &len), 0);
    const int client = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&a), len), 0);
    engine_->watch_datagrams(0, server);

    struct kept_datagram {
        sockaddr_storage peer;
        socklen_t peer_len;
        std::vector<std::byte> control, data;
    };
    std::vector<kept_datagram> kept;
    rec_.on_batch = [&kept](std::size_t, std::span<echo::io::datagram> batch) {
        for (auto& d : batch) {
            if (d.data[0] == std::byte{'k'}) {
                kept_datagram k{};
                std::memcpy(&k.peer, d.peer, d.peer_len);
                k.peer_len = d.peer_len;
                k.control.assign(d.control.begin(), d.control.end());
                k.data.assign(d.data.begin(), d.data.end());
                kept.push_back(std::move(k));
            } else {
                d.data[0] = std::byte{'E'};
                d.echo = d.twice = true;
            }
        }
    };
    ASSERT_EQ(::send(client, "echo", 4, 0), 4);
    ASSERT_EQ(::send(client, "keep", 4, 0), 4);
    ASSERT_TRUE(run_until([&] { return rec_.datagrams_sent == 2 && kept.size() == 1; }));
    EXPECT_FALSE(kept[0].control.empty()) << "IP_PKTINFO came with it";
    const echo::io::outgoing_datagram later{reinterpret_cast<const sockaddr*>(&kept[0].peer),
                                            kept[0].peer_len, kept[0].control, kept[0].data};
    const auto r = engine_->send_datagrams(0, {&later, 1});
    EXPECT_EQ(r.sent, 1U);
    EXPECT_EQ(r.sent_bytes, 4U);
    std::vector<std::string> got;
    char buf[16];
    for (int i = 0; i < 3; ++i) {
        const ssize_t n = ::recv(client, buf, sizeof buf, 0);
        ASSERT_GT(n, 0);
        got.emplace_back(buf, static_cast<std::size_t>(n));
    }
    EXPECT_EQ(got, (std::vector<std::string>{"Echo", "Echo", "keep"}));
    engine_->unwatch_listener(0);
    ::close(client);
    ::close(server);
}

INSTANTIATE_TEST_SUITE_P(
    Engines, EngineContract,
    ::testing::Values(engine_setup{"epoll"}, engine_setup{"io_uring", 256, 1024},
                      engine_setup{"io_uring_small", 4, 4}),
    [](const auto& param_info) { return param_info.param.name; });

}  // namespace
