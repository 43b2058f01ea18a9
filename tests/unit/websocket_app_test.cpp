// The HTTP echo's hand-over to the WebSocket echo: the 101 and the frames that
// shared the request's packet at every split, refused upgrades, the closing
// deadline, a peer that never reads abandoned, the server's 1001 at shutdown,
// backpressure, and the ws_ keys.
#include "core/websocket_settings.hpp"
#include "http/http_echo_app.hpp"
#include "support/app_driver.hpp"
#include "support/websocket_frames.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace echo;
using echo::testing::client_frame;
using echo::testing::close_payload;
using echo::testing::server_frame;

namespace {

constexpr std::string_view kUpgrade =
    "GET /chat?x=1 HTTP/1.1\r\nHost: example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: nope, chat\r\n\r\n";
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

struct fixture {
    explicit fixture(core::websocket_listener_settings ws = {}) {
        auto w = std::make_shared<http::websocket_echo_config>();
        w->settings = std::move(ws);
        w->observer = observer;
        auto c = std::make_shared<http::http_echo_config>();
        c->observer = std::make_shared<http::http_observer>("test");
        c->websocket = std::move(w);
        config = std::move(c);
        ctx.client_address = "192.0.2.1";
        ctx.client_port = 1234;
        ctx.listener = "http://test";
        ctx.log = &log;
    }
    std::shared_ptr<http::websocket_observer> observer =
        std::make_shared<http::websocket_observer>("test");
    std::shared_ptr<const http::http_echo_config> config;
    echo::testing::counting_log log;
    pipeline::app_context ctx;
};

// The head (up to its blank line) and the frames after it.
std::pair<std::string, echo::testing::server_frames> split_answer(const std::string& out) {
    const auto end = out.find("\r\n\r\n");
    if (end == std::string::npos) {
        return {out, {}};
    }
    return {out.substr(0, end + 4), echo::testing::read_server_frames(out.substr(end + 4))};
}

std::string metrics_of(const http::websocket_observer& o) {
    std::string out;
    o.append_metrics(out);
    return out;
}

}  // namespace

// The client's first frames in the request's own packet reach the session, and
// the bytes out are the same at every split of the input and every send size.
TEST(WebsocketApp, UpgradeAndFirstFramesAtEverySplit) {
    const std::string input = std::string{kUpgrade} + client_frame(0x1, "hello") +
                              client_frame(0x2, std::string(300, 'b')) +
                              client_frame(0x8, close_payload(1000, "bye"));
    const std::vector<server_frame> expected{{true, 0x1, "hello"},
                                             {true, 0x2, std::string(300, 'b')},
                                             {true, 0x8, close_payload(1000, "bye")}};
    core::websocket_listener_settings ws;
    ws.protocols = {"chat"};
    std::string whole;
    for (std::size_t cut = 0; cut < input.size(); ++cut) {
        fixture f(ws);
        {
            echo::testing::app_driver driver(cut % 2 == 0 ? SIZE_MAX : 7);
            http::http_echo_app app(f.config, f.ctx);
            driver.feed(app, std::string_view{input}.substr(0, cut));
            driver.feed(app, std::string_view{input}.substr(cut));
            EXPECT_TRUE(app.finished()) << "cut " << cut;
            EXPECT_TRUE(app.failure().empty()) << app.failure();
            EXPECT_EQ(app.bytes_received(), input.size());
            EXPECT_EQ(app.bytes_sent(), driver.out.size());
            if (cut == 0) {
                whole = driver.out;
            }
            ASSERT_EQ(driver.out, whole) << "cut " << cut;
        }
        EXPECT_EQ(f.log.lines, 2);  // the 101 request, then the session's end
        EXPECT_EQ(f.log.last_reason, "closed");
    }
    const auto [head, frames] = split_answer(whole);
    EXPECT_EQ(head.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0U) << head;
    EXPECT_NE(head.find(std::string{"Sec-WebSocket-Accept: "} + std::string{kAccept}),
              std::string::npos);
    EXPECT_NE(head.find("Sec-WebSocket-Protocol: chat\r\n"), std::string::npos);
    EXPECT_EQ(frames.error, "");
    EXPECT_EQ(frames.frames, expected);
}

TEST(WebsocketApp, PipelinedAnswersGoBeforeTheSwitch) {
    fixture f;
    echo::testing::app_driver driver;
    http::http_echo_app app(f.config, f.ctx);
    driver.feed(app, std::string{"GET /first?format=body HTTP/1.1\r\nHost: h\r\n\r\n"} +
                         std::string{kUpgrade} + client_frame(0x1, "x"));
    EXPECT_EQ(driver.out.rfind("HTTP/1.1 200 OK", 0), 0U) << driver.out;
    const auto at = driver.out.find("HTTP/1.1 101");
    ASSERT_NE(at, std::string::npos);
    const auto [head, frames] = split_answer(driver.out.substr(at));
    EXPECT_EQ(head.find("Sec-WebSocket-Protocol"), std::string::npos);  // none on the list
    EXPECT_EQ(frames.frames, (std::vector<server_frame>{{true, 0x1, "x"}}));
    EXPECT_FALSE(app.finished());
    EXPECT_TRUE(app.wants_input());
}

TEST(WebsocketApp, RefusedUpgradesSayWhyAndClose) {
    struct refusal {
        std::string request;
        std::string status;
        std::string header;
        std::string reason;
    };
    const std::vector<refusal> cases{
        {"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
         "HTTP/1.1 426 ", "Sec-WebSocket-Version: 13\r\n", "ws_version"},
        {"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Version: 13\r\n\r\n",
         "HTTP/1.1 400 ", "Connection: close\r\n", "key"},
        {"POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         "HTTP/1.1 400 ", "Connection: close\r\n", "method"},
    };
    for (const auto& c : cases) {
        fixture f;
        echo::testing::app_driver driver;
        http::http_echo_app app(f.config, f.ctx);
        driver.feed(app, c.request + client_frame(0x1, "never"));
        EXPECT_EQ(driver.out.rfind(c.status, 0), 0U) << driver.out;
        const auto head_end = driver.out.find("\r\n\r\n");
        ASSERT_NE(head_end, std::string::npos);
        EXPECT_NE(driver.out.substr(0, head_end + 2).find(c.header), std::string::npos) << driver.out;
        EXPECT_NE(driver.out.find("websocket upgrade refused: " + c.reason), std::string::npos);
        EXPECT_TRUE(app.finished());
        EXPECT_EQ(app.failure(), "websocket_refused");
        EXPECT_NE(metrics_of(*f.observer).find("reason=\"" + c.reason + "\"} 1"), std::string::npos);
    }
}

// A protocol error closes with 1002; the peer then has kClosingTimeout to answer.
TEST(WebsocketApp, ClosingPeerGetsADeadline) {
    fixture f;
    {
        echo::testing::app_driver driver;
        http::http_echo_app app(f.config, f.ctx);
        driver.feed(app, std::string{kUpgrade} + client_frame(0x1, "x", {.masked = false}), 100);
        const auto [head, frames] = split_answer(driver.out);
        ASSERT_EQ(frames.frames.size(), 1U);
        EXPECT_EQ(frames.frames[0].payload.substr(0, 2), close_payload(1002));
        EXPECT_EQ(app.failure(), "unmasked");
        EXPECT_FALSE(app.finished());
        ASSERT_EQ(app.wake_at(), 100 + http::websocket_app::kClosingTimeout);
        app.on_timer(99 + http::websocket_app::kClosingTimeout);
        EXPECT_FALSE(app.finished());
        app.on_timer(100 + http::websocket_app::kClosingTimeout);
        EXPECT_TRUE(app.finished());
    }
    const auto metrics = metrics_of(*f.observer);
    EXPECT_NE(metrics.find("code=\"1002\"} 1"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("reason=\"unmasked\"} 1"), std::string::npos) << metrics;
    EXPECT_EQ(f.log.last_reason, "unmasked");
}

// A peer that sends and never reads: the send in flight never completes, and
// request_timeout (the HTTP listener's) after the last bytes it took, the session
// is abandoned, closed at once with no close handshake. A peer that reads, however
// slowly, is not; one whose echoes all went has no deadline.
TEST(WebsocketApp, APeerThatStopsReadingIsAbandonedAfterRequestTimeout) {
    constexpr pipeline::time_ns kSecond = 1'000'000'000;
    fixture f;
    {
        echo::testing::app_driver driver;
        http::http_echo_app app(f.config, f.ctx);
        driver.feed(app, kUpgrade);
        driver.give(app, client_frame(0x1, "ping"), kSecond);
        driver.drain(app, kSecond);
        EXPECT_FALSE(app.wake_at().has_value());  // everything went: nothing to wait for
        driver.give(app, client_frame(0x2, std::string(300, 'x')), 2 * kSecond);
        auto span = app.begin_send();
        ASSERT_FALSE(span.empty());
        EXPECT_EQ(app.wake_at(), std::optional{12 * kSecond});
        // It took 100 bytes at 11 s: ten more seconds from then.
        app.on_sent(100, 11 * kSecond);
        span = app.begin_send();
        ASSERT_FALSE(span.empty());
        EXPECT_EQ(app.wake_at(), std::optional{21 * kSecond});
        app.on_timer(12 * kSecond);
        EXPECT_FALSE(app.abandoned());
        EXPECT_FALSE(app.finished());
        app.on_timer(21 * kSecond);
        EXPECT_TRUE(app.abandoned());
        EXPECT_TRUE(app.finished());
        EXPECT_FALSE(app.wants_input());
        EXPECT_EQ(app.failure(), "send_timeout");
    }
    EXPECT_NE(metrics_of(*f.observer).find("reason=\"send_timeout\"} 1"), std::string::npos);
    EXPECT_EQ(f.log.last_reason, "send_timeout");
}

// At shutdown the server says 1001 (after the send in flight), and the peer's
// answer ends the session cleanly.
TEST(WebsocketApp, ShutdownSaysGoingAway) {
    fixture f;
    echo::testing::app_driver driver;
    http::http_echo_app app(f.config, f.ctx);
    driver.feed(app, kUpgrade);
    driver.out.clear();
    driver.give(app, client_frame(0x1, "hi"));
    const auto span = app.begin_send();
    ASSERT_FALSE(span.empty());
    app.on_shutdown(0);  // waits for the send in flight
    driver.out.assign(reinterpret_cast<const char*>(span.data()), span.size());
    app.on_sent(span.size(), 0);
    driver.drain(app);
    const auto frames = echo::testing::read_server_frames(driver.out);
    EXPECT_EQ(frames.frames, (std::vector<server_frame>{{true, 0x1, "hi"},
                                                        {true, 0x8, close_payload(1001)}}));
    EXPECT_FALSE(app.finished());
    EXPECT_TRUE(app.wake_at().has_value());
    driver.feed(app, client_frame(0x8, close_payload(1001)));
    EXPECT_TRUE(app.finished());
    EXPECT_TRUE(app.failure().empty());
    EXPECT_FALSE(app.wake_at().has_value());
}

// With a send in flight nothing is fed (a feed could move what is being sent);
// the chunks wait, counted by held_chunks(), and go in once the send is done.
TEST(WebsocketApp, InputWaitsWhileASendIsInFlight) {
    fixture f;
    echo::testing::app_driver driver;
    http::http_echo_app app(f.config, f.ctx);
    driver.feed(app, kUpgrade);
    driver.out.clear();
    driver.give(app, client_frame(0x1, "one"));
    const auto span = app.begin_send();
    ASSERT_FALSE(span.empty());
    const auto sent = span.size();
    driver.give(app, client_frame(0x1, std::string(200, 'z')));  // 4 chunks of 64
    EXPECT_EQ(app.held_chunks(), 4U);
    EXPECT_TRUE(app.begin_send().empty());
    app.on_sent(sent, 0);
    EXPECT_EQ(app.held_chunks(), 0U);
    driver.drain(app);
    const auto frames = echo::testing::read_server_frames(driver.out);
    EXPECT_EQ(frames.frames, (std::vector<server_frame>{{true, 0x1, std::string(200, 'z')}}));
}

// Echoes not yet sent stop input at the session's output high water; what comes
// beyond it waits in the worker's chunks, which it stops reading at.
TEST(WebsocketApp, UnreadEchoesStopInput) {
    core::websocket_listener_settings ws;
    ws.session.output_high_water = 1024;
    fixture f(ws);
    echo::testing::app_driver driver;
    http::http_echo_app app(f.config, f.ctx);
    driver.feed(app, kUpgrade);
    const auto frame = client_frame(0x2, std::string(100, 'q'));
    int offered = 0;
    while (app.wants_input() && offered < 10'000) {
        driver.give(app, frame);
        ++offered;
    }
    EXPECT_LT(offered, 20);
    EXPECT_FALSE(app.wants_input());
}

TEST(WebsocketSettings, ListenerKeys) {
    core::websocket_listener_settings s;
    EXPECT_EQ(core::take_websocket_key("ws_protocols", "chat,v2.echo,chat", s), "");
    EXPECT_EQ(s.protocols, (std::vector<std::string>{"chat", "v2.echo"}));
    EXPECT_EQ(core::take_websocket_key("ws_protocols", "*", s), "");
    EXPECT_EQ(core::take_websocket_key("ws_frames", "1", s), "");
    EXPECT_TRUE(s.session.echo_frames);
    EXPECT_EQ(core::take_websocket_key("ws_max_message", "64KiB", s), "");
    EXPECT_EQ(s.session.max_message, 64U * 1024);
    EXPECT_EQ(core::take_websocket_key("ws_max_message", "2MiB", s), "");
    EXPECT_EQ(s.session.max_message, 2U << 20);
    EXPECT_EQ(core::take_websocket_key("ws_max_message", "125", s), "");
    EXPECT_EQ(s.session.max_message, 125U);
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"ws_protocols", ""},
             {"ws_protocols", "a,,b"},
             {"ws_protocols", "a b"},
             {"ws_protocols", "a\r\nX: y"},
             {"ws_protocols", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"},
             {"ws_frames", "yes"},
             {"ws_max_message", "0"},
             {"ws_max_message", "65MiB"},
             {"ws_max_message", "1GiB"},
             {"ws_max_message", "-1"},
             {"ws_max_message", "KiB"}}) {
        const auto problem = core::take_websocket_key(key, value, s);
        ASSERT_TRUE(problem.has_value()) << key;
        EXPECT_FALSE(problem->empty()) << key << "=" << value;
    }
    EXPECT_FALSE(core::take_websocket_key("max_body", "1", s).has_value());
}
