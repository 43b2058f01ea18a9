// The HTTP/2 echo driven by nghttp2's client session in memory: the same answers
// at every split of the client's bytes, the controls and limits per stream, and
// the bounds a hostile client meets (streams, unread answers, rapid resets).
#include "http/h2_echo_app.hpp"
#include "http/prior_knowledge_switch.hpp"
#include "support/app_driver.hpp"
#include "support/h2_client.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace echo {
namespace {

using testing::h2_client;
using testing::h2_frame;
using testing::h2_get_block;
using testing::kH2Preface;

constexpr pipeline::time_ns kMs = 1'000'000;
// The largest echo document these tests make (a 60 KB body, base64 or escaped).
constexpr std::size_t kOneAnswer = 256 * 1024;

std::shared_ptr<http::http_echo_config> echo_config() {
    auto config = std::make_shared<http::http_echo_config>();
    config->observer = std::make_shared<http::http_observer>("test");
    config->server.hostname = "host";
    return config;
}

// One application under test, with the client's bytes given in chunks of at most
// `chunk` bytes and its sends taken at most `send_limit` bytes at a time.
struct h2_server {
    explicit h2_server(std::shared_ptr<http::http_echo_config> config = echo_config(),
                       bool through_switch = false, std::uint32_t chunk = 256,
                       std::size_t send_limit = SIZE_MAX)
        : driver(send_limit, chunk) {
        ctx.client_address = "192.0.2.1";
        ctx.client_port = 1234;
        ctx.listener = "http://test";
        ctx.log = &log;
        if (through_switch) {
            app = std::make_unique<http::prior_knowledge_switch>(config, ctx);
        } else {
            app = std::make_unique<http::h2_echo_app>(config, ctx);
        }
    }

    void give(std::string_view bytes, pipeline::time_ns now = 0) {
        driver.give(*app, bytes, now);
    }

    // What the app sends until it is quiet.
    std::string drain(pipeline::time_ns now = 0) {
        driver.drain(*app, now);
        return std::exchange(driver.out, {});
    }

    // Client and server talk until neither has anything to say.
    void converse(h2_client& client, pipeline::time_ns now = 0) {
        for (int i = 0; i < 1000; ++i) {
            const auto to_server = client.take_output();
            give(to_server, now);
            const auto to_client = drain(now);
            ASSERT_TRUE(client.feed(to_client));
            if (to_server.empty() && to_client.empty()) {
                return;
            }
        }
        FAIL() << "the conversation did not settle";
    }

    testing::counting_log log;
    pipeline::app_context ctx;
    testing::app_driver driver;  // before app: its pool outlives the app's chunks
    std::unique_ptr<pipeline::application> app;
};

// What a client saw, in a form to compare across runs.
std::string summary(const h2_client& c) {
    std::string out;
    for (const auto& [id, r] : c.responses) {
        out += std::to_string(id) + " " + std::to_string(r.status) + " " +
               r.header("content-type") + " " + r.header("x-set") + " " +
               std::to_string(r.body.size()) + "\n" + r.body + "\n";
    }
    return out;
}

void ask_the_usual(h2_client& c) {
    c.request("GET", "/a?format=body");
    c.request("POST", "/b?format=body", {{"content-type", "text/plain"}}, "hello body");
    c.request("GET", "/c?size=300");
    c.request("GET", "/d?status=404&format=text", {{"X-Echo-Set-Header", "X-Set: yes"}});
    c.request("PUT", "/e", {{"x-zeta", "1"}, {"x-alpha", "two"}}, std::string(70000, 'z'));
}

void check_the_usual(const h2_client& c) {
    ASSERT_EQ(c.responses.size(), 5U) << summary(c);
    const auto& a = c.responses.at(1);
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.body, "");
    const auto& b = c.responses.at(3);
    EXPECT_EQ(b.body, "hello body");
    EXPECT_EQ(b.header("content-type"), "application/octet-stream");
    const auto& size = c.responses.at(5);
    EXPECT_EQ(size.body.size(), 300U);
    EXPECT_EQ(size.body.substr(0, 10), "abcdefghij");
    const auto& text = c.responses.at(7);
    EXPECT_EQ(text.status, 404);
    EXPECT_EQ(text.header("x-set"), "yes");
    EXPECT_NE(text.body.find("GET /d?status=404&format=text HTTP/2\n"), std::string::npos);
    const auto& big = c.responses.at(9);
    EXPECT_EQ(big.status, 200);
    // Over body_limit (64 KiB): size and SHA-256 only, headers in arrival order.
    EXPECT_NE(big.body.find("\"body\":null"), std::string::npos) << big.body.substr(0, 400);
    EXPECT_NE(big.body.find("\"body_size\":70000"), std::string::npos);
    EXPECT_NE(big.body.find("\"version\":\"HTTP/2\""), std::string::npos);
    EXPECT_NE(big.body.find("[\":method\",\"PUT\"],[\":path\",\"/e\"],[\":scheme\",\"http\"],"
                            "[\":authority\",\"test\"],[\"x-zeta\",\"1\"],[\"x-alpha\",\"two\"]"),
              std::string::npos)
        << big.body.substr(0, 400);
    for (const auto& [id, r] : c.responses) {
        EXPECT_TRUE(r.closed) << id;
        EXPECT_EQ(r.error, 0U) << id;
    }
}

TEST(H2EchoApp, AnswersEachStreamLikeHttp1) {
    h2_server server;
    h2_client client;
    ask_the_usual(client);
    server.converse(client);
    check_the_usual(client);
    EXPECT_EQ(server.log.lines, 5);
    EXPECT_FALSE(server.app->finished());
}

// The client's first flight (preface, SETTINGS, five requests with their bodies
// as far as the window allows) cut in two at every point, through the prior-
// knowledge switch, with the server's bytes taken 7 at a time.
TEST(H2EchoApp, SameAnswersAtEverySplit) {
    std::string whole;
    std::string first_flight;
    {
        h2_server server(echo_config(), true);
        h2_client client;
        ask_the_usual(client);
        first_flight = client.take_output();
        server.give(first_flight);
        ASSERT_TRUE(client.feed(server.drain()));
        server.converse(client);
        check_the_usual(client);
        whole = summary(client);
    }
    ASSERT_GT(first_flight.size(), 1000U);
    // Every cut in the first 600 bytes (preface, SETTINGS and the head frames),
    // then every 97th: the body bytes after them are alike.
    for (std::size_t cut = 1; cut < first_flight.size(); cut += cut < 600 ? 1 : 97) {
        h2_server server(echo_config(), true, 64, 7);
        h2_client client;
        ask_the_usual(client);
        ASSERT_EQ(client.take_output(), first_flight);
        server.give(std::string_view{first_flight}.substr(0, cut));
        ASSERT_TRUE(client.feed(server.drain()));
        server.give(std::string_view{first_flight}.substr(cut));
        ASSERT_TRUE(client.feed(server.drain()));
        server.converse(client);
        ASSERT_EQ(summary(client), whole) << "cut at " << cut;
    }
}

TEST(H2EchoApp, ByteByByte) {
    h2_server server(echo_config(), true, 1);
    h2_client client;
    ask_the_usual(client);
    server.converse(client);
    check_the_usual(client);
}

TEST(H2EchoApp, DelayWaitsOnTheTimerWhileOtherStreamsAreAnswered) {
    h2_server server;
    h2_client client;
    client.request("GET", "/slow?delay=250ms");
    client.request("GET", "/fast");
    server.converse(client, 0);
    EXPECT_EQ(client.responses[3].status, 200);
    EXPECT_EQ(client.responses.count(1), 0U);
    ASSERT_EQ(server.app->wake_at(), std::optional<pipeline::time_ns>{250 * kMs});
    server.app->on_timer(250 * kMs);
    server.converse(client, 250 * kMs);
    EXPECT_EQ(client.responses[1].status, 200);
    EXPECT_TRUE(client.responses[1].closed);
}

TEST(H2EchoApp, LimitsAnswerTheStreamNotTheConnection) {
    auto config = echo_config();
    config->settings.limits.max_headers = 8;
    config->settings.limits.max_body = 1000;
    config->settings.limits.body_limit = 100;
    h2_server server(config);
    h2_client client;
    std::vector<std::pair<std::string, std::string>> many;
    for (int i = 0; i < 10; ++i) {
        many.emplace_back("x-h" + std::to_string(i), "v");
    }
    client.request("GET", "/many", many);
    client.request("POST", "/large", {}, std::string(2000, 'b'));
    client.request("POST", "/hashed", {}, std::string(500, 'h'));
    client.request("GET", "/?status=99");
    client.request("GET", "/after");
    server.converse(client);
    EXPECT_EQ(client.responses[1].status, 431);
    EXPECT_EQ(client.responses[3].status, 413);
    EXPECT_EQ(client.responses[5].status, 200);
    // SHA-256 of 500 'h'.
    EXPECT_NE(client.responses[5].body.find("\"body\":null"), std::string::npos);
    EXPECT_NE(client.responses[5].body.find("\"body_size\":500"), std::string::npos);
    EXPECT_EQ(client.responses[7].status, 400);
    EXPECT_EQ(client.responses[9].status, 200);
    EXPECT_FALSE(client.goaway);
}

struct frame_view {
    std::uint8_t type;
    std::uint32_t stream;
    std::string_view payload;
    std::size_t wire_size;  // header included
};

// The frames in `wire`, as RFC 9113 4.1 lays them out.
std::vector<frame_view> frames_of(std::string_view wire) {
    const auto byte = [&wire](std::size_t i) { return static_cast<std::uint32_t>(
                                                   static_cast<unsigned char>(wire[i])); };
    std::vector<frame_view> frames;
    while (wire.size() >= 9) {
        const std::size_t length = byte(0) << 16 | byte(1) << 8 | byte(2);
        const auto n = std::min(wire.size(), 9 + length);
        frames.push_back({static_cast<std::uint8_t>(byte(3)),
                          (byte(5) << 24 | byte(6) << 16 | byte(7) << 8 | byte(8)) & 0x7fffffffU,
                          wire.substr(9, n - 9), n});
        wire.remove_prefix(n);
    }
    return frames;
}

// The bytes of every frame (header included) the server sent on `stream`.
std::size_t frame_bytes_on(std::string_view wire, std::uint32_t stream) {
    std::size_t total = 0;
    for (const auto& f : frames_of(wire)) {
        total += f.stream == stream ? f.wire_size : 0;
    }
    return total;
}

// How many RST_STREAM and GOAWAY frames in `wire` carry the error `code`.
int resets_with(std::string_view wire, std::uint32_t code) {
    int n = 0;
    for (const auto& f : frames_of(wire)) {
        const auto at = f.type == NGHTTP2_RST_STREAM ? 0U : f.type == NGHTTP2_GOAWAY ? 4U : 99U;
        if (f.payload.size() >= at + 4) {
            const auto* p = reinterpret_cast<const unsigned char*>(f.payload.data()) + at;
            n += (std::uint32_t{p[0]} << 24 | p[1] << 16 | p[2] << 8 | p[3]) == code ? 1 : 0;
        }
    }
    return n;
}

// bytes_out in a request's log line is what its answer took on the wire: the
// HEADERS frame (HPACK) and every DATA frame, frame headers included.
TEST(H2EchoApp, LogLineCountsTheAnswersWireBytes) {
    h2_server server;
    h2_client client;
    server.give(client.take_output());
    ASSERT_TRUE(client.feed(server.drain()));
    for (const auto* path : {"/?size=40000", "/?status=204", "/echo?format=text"}) {
        const auto id = client.request("GET", path, {{"x-pad", std::string(300, 'p')}});
        std::string wire;
        for (int i = 0; i < 100 && !client.responses[id].closed; ++i) {
            server.give(client.take_output());
            const auto out = server.drain();
            wire += out;
            ASSERT_TRUE(client.feed(out));
        }
        ASSERT_TRUE(client.responses[id].closed) << path;
        const auto on_stream = frame_bytes_on(wire, static_cast<std::uint32_t>(id));
        EXPECT_GT(on_stream, client.responses[id].body.size() + 9) << path;
        EXPECT_EQ(server.log.last_bytes_out, on_stream) << path;
    }
    EXPECT_EQ(server.log.lines, 3);
}

TEST(H2EchoApp, CloseControlEndsWithGoawayAfterTheAnswer) {
    h2_server server;
    h2_client client;
    client.request("GET", "/?close=1");
    server.converse(client);
    EXPECT_EQ(client.responses[1].status, 200);
    EXPECT_TRUE(client.goaway);
    EXPECT_TRUE(server.app->finished());
    EXPECT_EQ(server.app->failure(), "connection_close");
}

TEST(H2EchoApp, IdleConnectionIsClosedAfterRequestTimeout) {
    h2_server server;
    h2_client client;
    client.request("GET", "/");
    server.converse(client);
    ASSERT_TRUE(server.app->wake_at());
    const auto t = *server.app->wake_at();
    EXPECT_EQ(t, 10'000 * kMs);
    server.app->on_timer(t);
    server.converse(client, t);
    EXPECT_TRUE(client.goaway);
    EXPECT_TRUE(server.app->finished());
    EXPECT_EQ(server.app->failure(), "keepalive_timeout");
}

TEST(H2EchoApp, AStreamThatNeverEndsGets408) {
    h2_server server;
    std::string bytes{kH2Preface};
    bytes += h2_frame(NGHTTP2_SETTINGS, 0, 0, "");
    bytes += h2_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, h2_get_block("/slow"));
    server.give(bytes);
    h2_client reader;  // only reads what the server says
    (void)reader.take_output();
    server.drain();
    ASSERT_EQ(server.app->wake_at(), std::optional<pipeline::time_ns>{10'000 * kMs});
    server.app->on_timer(10'000 * kMs);
    const auto out = server.drain();
    EXPECT_NE(out.find("request not complete"), std::string::npos);
}

// Answers that never go out: the socket is not read (the send in flight never
// completes), or it is read but the stream's window stays shut (the client
// pings to look alive). request_timeout after an answer's last frame went out,
// the connection is abandoned. A delayed answer owes nothing while it waits.
TEST(H2EchoApp, AClientThatTakesNoAnswerIsAbandonedAfterRequestTimeout) {
    const auto t = 10'000 * kMs;
    {
        h2_server server;
        h2_client client;
        client.request("GET", "/?size=100000");
        server.give(client.take_output());
        ASSERT_FALSE(server.app->begin_send().empty());
        EXPECT_EQ(server.app->wake_at(), std::optional{t});
        server.app->on_timer(t);
        EXPECT_TRUE(server.app->abandoned());
        EXPECT_TRUE(server.app->finished());
        EXPECT_EQ(server.app->failure(), "send_timeout");
    }
    {
        h2_server server;
        std::string bytes{kH2Preface};
        bytes += h2_frame(NGHTTP2_SETTINGS, 0, 0, std::string("\x00\x04\x00\x00\x00\x00", 6));
        bytes += h2_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 1,
                          h2_get_block("/?size=1000"));
        server.give(bytes, 1000 * kMs);
        EXPECT_NE(server.drain(1000 * kMs), "");  // SETTINGS and the answer's HEADERS
        ASSERT_EQ(server.app->wake_at(), std::optional{t + 1000 * kMs});
        server.give(h2_frame(NGHTTP2_PING, 0, 0, "12345678"), 5000 * kMs);
        EXPECT_NE(server.drain(5000 * kMs), "");  // the PING's ack: no answer moved
        EXPECT_EQ(server.app->wake_at(), std::optional{t + 1000 * kMs});
        server.app->on_timer(t + 1000 * kMs);
        EXPECT_TRUE(server.app->abandoned());
        EXPECT_TRUE(server.app->finished());
    }
    {
        h2_server server;
        h2_client client;
        client.request("GET", "/?delay=15s");
        server.converse(client);
        EXPECT_EQ(server.app->wake_at(), std::optional{15'000 * kMs});
        server.app->on_timer(15'000 * kMs);
        server.converse(client, 15'000 * kMs);
        EXPECT_FALSE(server.app->abandoned());
        EXPECT_EQ(client.responses[1].status, 200);
    }
}

// A stream held back from sending its body (not one of the kLeads) is not
// timed: its request_timeout starts when its window opens.
TEST(H2EchoApp, AStreamWaitingForItsWindowIsNotTimedOut) {
    h2_server server;
    server.give(std::string{kH2Preface} + h2_frame(NGHTTP2_SETTINGS, 0, 0, "") +
                h2_frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0, ""));
    for (std::uint32_t id = 1; id <= 2 * http::h2_echo_app::kLeads + 1; id += 2) {
        server.give(h2_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, id, h2_get_block("/")));
    }
    server.drain();
    ASSERT_EQ(server.app->wake_at(), std::optional<pipeline::time_ns>{10'000 * kMs});
    const auto at = 9'000 * kMs;
    for (std::uint32_t id = 1; id < 2 * http::h2_echo_app::kLeads; id += 2) {
        server.give(h2_frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, id, "done"), at);
    }
    const auto answers = server.drain(at);
    EXPECT_EQ(resets_with(answers, NGHTTP2_NO_ERROR), 0);
    server.app->on_timer(10'000 * kMs);
    EXPECT_EQ(server.drain(10'000 * kMs).find("request not complete"), std::string::npos);
    // The fifth stream became a lead at 9 s: its deadline runs from then.
    EXPECT_EQ(server.app->wake_at(), std::optional<pipeline::time_ns>{19'000 * kMs});
    server.app->on_timer(19'000 * kMs);
    EXPECT_NE(server.drain(19'000 * kMs).find("request not complete"), std::string::npos);
}

// Upgrade: h2c: a 101, then HTTP/2 with the request answered on stream 1, at
// every split of the HTTP/1.1 request and the client's preface behind it.
TEST(H2EchoApp, UpgradeFromHttp1AtEverySplit) {
    std::string whole;
    for (std::size_t cut = 0; cut < 400; ++cut) {
        h2_server server(echo_config(), true, 64, 7);
        h2_client client;
        std::string bytes = client.upgrade_request("/up?format=text");
        if (cut >= bytes.size()) {
            break;
        }
        bytes += client.take_output();
        server.give(std::string_view{bytes}.substr(0, cut));
        std::string out = server.drain();
        server.give(std::string_view{bytes}.substr(cut));
        out += server.drain();
        const std::string k101 =
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
        ASSERT_EQ(out.substr(0, k101.size()), k101) << "cut at " << cut;
        ASSERT_TRUE(client.feed(std::string_view{out}.substr(k101.size())));
        client.request("GET", "/second");
        server.converse(client);
        ASSERT_EQ(client.responses[1].status, 200);
        const auto& first = client.responses[1].body;
        EXPECT_NE(first.find("GET /up?format=text HTTP/1.1\n"), std::string::npos) << first;
        EXPECT_EQ(client.responses[3].status, 200);
        EXPECT_NE(client.responses[3].body.find("\"version\":\"HTTP/2\""), std::string::npos);
        if (cut == 0) {
            whole = summary(client);
        }
        ASSERT_EQ(summary(client), whole) << "cut at " << cut;
    }
}

// The drain reaches the HTTP/2 echo through the switch and the HTTP/1 app it
// handed over from: GOAWAY at once, the stream already taken still answered.
TEST(H2EchoApp, ShutdownSaysGoawayAndFinishesOpenStreams) {
    h2_server server(echo_config(), true);
    h2_client client;
    std::string bytes = client.upgrade_request("/up");
    bytes += client.take_output();
    server.give(bytes);
    const auto out = server.drain();
    const auto head_end = out.find("\r\n\r\n");
    ASSERT_EQ(out.rfind("HTTP/1.1 101 ", 0), 0U) << out;
    ASSERT_TRUE(client.feed(std::string_view{out}.substr(head_end + 4)));
    client.request("GET", "/slow?delay=100ms");
    server.converse(client);
    EXPECT_EQ(client.responses[1].status, 200);
    EXPECT_EQ(client.responses.count(3), 0U);
    EXPECT_FALSE(client.goaway);
    server.app->on_shutdown(0);
    server.converse(client);
    EXPECT_TRUE(client.goaway);
    EXPECT_EQ(client.goaway_error, 0U);
    EXPECT_FALSE(server.app->finished());  // stream 3 is still owed its answer
    server.app->on_timer(100 * kMs);
    server.converse(client, 100 * kMs);
    EXPECT_EQ(client.responses[3].status, 200);
    EXPECT_TRUE(client.responses[3].closed);
    EXPECT_TRUE(server.app->finished());
    EXPECT_EQ(server.app->failure(), "shutdown");
}

TEST(H2EchoApp, NotAPrefaceIsHttp1) {
    h2_server server(echo_config(), true);
    server.give("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    const auto out = server.drain();
    EXPECT_EQ(out.rfind("HTTP/1.1 200 OK", 0), 0U) << out;
}

TEST(H2EchoApp, GarbageAfterThePrefaceEndsTheSession) {
    h2_server server(echo_config(), true);
    std::string bytes{kH2Preface};
    bytes += std::string(64, '\xff');
    server.give(bytes);
    server.drain();
    EXPECT_TRUE(server.app->finished());
}

// A client that opens streams and never reads: at most kMaxStreams are open, and
// once the unsent output reaches kOutHigh, reading stops (the rest stays in the
// socket, or in at most --max-buffer chunks given already).
TEST(H2EchoApp, StreamsNeverReadAreBounded) {
    h2_server server(echo_config(), false, 16384);
    std::string bytes{kH2Preface};
    bytes += h2_frame(NGHTTP2_SETTINGS, 0, 0, "");
    for (std::uint32_t id = 1; id < 2 * 1000; id += 2) {
        bytes += h2_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, id,
                          h2_get_block("/?size=100000"));
    }
    auto& app = static_cast<http::h2_echo_app&>(*server.app);
    std::size_t given = 0;
    while (given < bytes.size() && app.wants_input()) {
        const auto n = std::min<std::size_t>(16384, bytes.size() - given);
        server.give(std::string_view{bytes}.substr(given, n));
        given += n;
        EXPECT_LE(app.open_streams(), http::h2_echo_app::kMaxStreams);
        EXPECT_LE(app.held_chunks(), 1U);
    }
    // No send has completed: the first begin_send's span is all that went out.
    EXPECT_FALSE(app.wants_input());
    EXPECT_LT(given, bytes.size());
    EXPECT_LE(app.open_streams(), http::h2_echo_app::kMaxStreams);
    EXPECT_LT(app.held_bytes(), http::h2_echo_app::kHeldHigh);
}

// An honest client uploading more than the bound at once (h2load -m 100 with
// 60 KB bodies) is paced by flow control: every stream is answered, none
// refused, and what the server holds stays near kHeldHigh all along.
TEST(H2EchoApp, ManyUploadsArePacedNotRefused) {
    h2_server server(echo_config(), false, 16384);
    auto& app = static_cast<http::h2_echo_app&>(*server.app);
    h2_client client;
    for (int i = 0; i < 100; ++i) {
        client.request("POST", "/up", {}, std::string(60000, static_cast<char>(i)));
    }
    std::size_t most = 0;
    for (int round = 0; round < 10000 && client.responses.size() < 100; ++round) {
        server.give(client.take_output());
        most = std::max(most, app.held_bytes());
        ASSERT_TRUE(client.feed(server.drain()));
        most = std::max(most, app.held_bytes());
    }
    server.converse(client);
    ASSERT_EQ(client.responses.size(), 100U);
    for (const auto& [id, r] : client.responses) {
        EXPECT_EQ(r.status, 200) << id;
        EXPECT_EQ(r.error, 0U) << id;
        EXPECT_TRUE(r.closed) << id;
        EXPECT_NE(r.body.find("\"body_size\":60000"), std::string::npos) << id;
    }
    // Bodies come in only while under kHeldHigh (or no answer is held), answers
    // are made only then: past it by at most the connection's window and one answer.
    EXPECT_LE(most, http::h2_echo_app::kHeldHigh + 64 * 1024 + kOneAnswer);
    EXPECT_GT(most, http::h2_echo_app::kHeldHigh / 2);  // the bound was what paced it
    EXPECT_EQ(app.held_bytes(), 0U);
}

// A hostile client that sends bodies as if there were no windows, and never
// opens its own (window 0: no answer can go). Whether or not it acknowledges
// the server's SETTINGS (stream windows of 64 KiB or kStreamWindow), what the
// server holds stays bounded, and overrunning the windows ends its streams or
// the session with FLOW_CONTROL_ERROR. Nothing is refused with REFUSED_STREAM.
TEST(H2EchoApp, BodiesPastTheWindowsAreNotHeld) {
    for (const bool acks : {false, true}) {
        SCOPED_TRACE(acks ? "acknowledges SETTINGS" : "never acknowledges SETTINGS");
        h2_server server(echo_config(), false, 16384);
        auto& app = static_cast<http::h2_echo_app&>(*server.app);
        std::string start{kH2Preface};
        start += h2_frame(NGHTTP2_SETTINGS, 0, 0, std::string("\x00\x04\x00\x00\x00\x00", 6));
        if (acks) {
            start += h2_frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0, "");
        }
        server.give(start);
        std::string out = server.drain();
        std::size_t most = 0;
        for (std::uint32_t id = 1; id < 2 * 100 && !app.finished(); id += 2) {
            std::string frames =
                h2_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, id, h2_get_block("/"));
            for (int i = 0; i < 4; ++i) {
                frames += h2_frame(NGHTTP2_DATA, i == 3 ? NGHTTP2_FLAG_END_STREAM : 0, id,
                                   std::string(15000, '\x01'));
            }
            server.give(frames);
            out += server.drain();
            most = std::max(most, app.held_bytes());
        }
        EXPECT_LE(most, http::h2_echo_app::kHeldHigh + 64 * 1024 + kOneAnswer);
        EXPECT_EQ(resets_with(out, NGHTTP2_REFUSED_STREAM), 0);
        EXPECT_GT(resets_with(out, NGHTTP2_FLOW_CONTROL_ERROR), 0);
    }
}

// Streams opened first, while nothing is held, then fed bodies that never end,
// as far as their windows allow: only kLeads of them may send past
// kStreamWindow, so the kept bodies stay at kMaxStreams x kStreamWindow +
// kLeads x body_limit, not kMaxStreams x body_limit.
TEST(H2EchoApp, BodiesGrownAfterTheStreamsOpenedAreBounded) {
    h2_server server(echo_config(), false, 16384);
    server.give(std::string{kH2Preface} + h2_frame(NGHTTP2_SETTINGS, 0, 0, "") +
                h2_frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0, ""));
    server.drain();
    auto& app = static_cast<http::h2_echo_app&>(*server.app);
    for (std::uint32_t id = 1; id < 2 * 100; id += 2) {
        server.give(h2_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, id, h2_get_block("/")));
    }
    server.drain();
    constexpr std::size_t kBound =
        100 * http::h2_echo_app::kStreamWindow + http::h2_echo_app::kLeads * 64 * 1024;
    const std::string piece(http::h2_echo_app::kStreamWindow, 'z');
    for (std::uint32_t id = 1; id < 2 * 100; id += 2) {
        server.give(h2_frame(NGHTTP2_DATA, 0, id, piece));
        server.drain();
    }
    // The leads (streams 1, 3, 5, 7) were given 64 KiB windows: they fill them.
    for (int round = 0; round < 15; ++round) {
        for (std::uint32_t id = 1; id < 2 * http::h2_echo_app::kLeads; id += 2) {
            server.give(h2_frame(NGHTTP2_DATA, 0, id, piece));
            EXPECT_LE(app.held_bytes(), kBound);
        }
    }
    const auto out = server.drain();
    constexpr std::size_t kTaken = (100 - http::h2_echo_app::kLeads) *
                                       http::h2_echo_app::kStreamWindow +
                                   http::h2_echo_app::kLeads * 64 * 1024;
    EXPECT_EQ(app.held_bytes(), kTaken);  // it took all the windows allowed
    EXPECT_EQ(app.open_streams(), 100U);
    EXPECT_EQ(resets_with(out, NGHTTP2_FLOW_CONTROL_ERROR), 0);
    // One more byte on a stream that is not a lead overruns its window.
    server.give(h2_frame(NGHTTP2_DATA, 0, 99, "z"));
    EXPECT_EQ(resets_with(server.drain(), NGHTTP2_FLOW_CONTROL_ERROR), 1);
    EXPECT_EQ(app.held_bytes(), kTaken - http::h2_echo_app::kStreamWindow);
}

// Rapid reset (CVE-2023-44487): HEADERS then RST_STREAM, again and again. nghttp2's
// rate limit ends the session with GOAWAY well before the loop does.
TEST(H2EchoApp, RapidResetEndsTheSession) {
    h2_server server(echo_config(), false, 16384);
    std::string bytes{kH2Preface};
    bytes += h2_frame(NGHTTP2_SETTINGS, 0, 0, "");
    server.give(bytes);
    server.drain();
    std::uint32_t id = 1;
    for (; id < 2 * 5000 && !server.app->finished(); id += 2) {
        std::string frames = h2_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, id,
                                      h2_get_block("/?delay=1s"));
        frames += h2_frame(NGHTTP2_RST_STREAM, 0, id, std::string("\x00\x00\x00\x08", 4));
        server.give(frames);
        server.drain();
    }
    EXPECT_TRUE(server.app->finished());
    EXPECT_LT(id, 2 * 1200U);
}

}  // namespace
}  // namespace echo
