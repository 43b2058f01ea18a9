// The HTTP echo's answer: JSON strings stay valid JSON for any byte a client
// sends, the controls read what they should and refuse what they should not,
// and the whole application answers the same whatever split requests arrive in.
#include "core/http_echo_controls.hpp"
#include "core/http_echo_reply.hpp"
#include "http/http_echo_app.hpp"
#include "support/app_driver.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

using namespace echo;

namespace {

// A strict check that `s` is one JSON string literal of printable ASCII or UTF-8.
bool valid_json_string(const std::string& s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') {
        return false;
    }
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == '"') {
            return false;
        }
        if (c == '\\') {
            const char e = s[++i];
            if (e == 'u') {
                i += 4;
            } else if (std::strchr("\"\\/bfnrt", e) == nullptr) {
                return false;
            }
        }
    }
    return core::is_utf8(s);
}

}  // namespace

TEST(HttpEchoReply, EveryByteAndEveryPairOfBytesGivesValidJson) {
    for (int a = 0; a < 256; ++a) {
        std::string one(1, static_cast<char>(a));
        std::string out;
        core::append_json_string(out, one);
        ASSERT_TRUE(valid_json_string(out)) << a;
        for (int b = 0; b < 256; ++b) {
            std::string two{static_cast<char>(a), static_cast<char>(b)};
            out.clear();
            core::append_json_string(out, two);
            ASSERT_TRUE(valid_json_string(out)) << a << " " << b;
        }
    }
    std::string out;
    core::append_json_string(out, "h\xc3\xa9 \"q\" \\ \x01 \xed\xa0\x80");
    EXPECT_EQ(out, "\"h\xc3\xa9 \\\"q\\\" \\\\ \\u0001 \\ufffd\\ufffd\\ufffd\"");
}

TEST(HttpEchoReply, ControlsReadAndRefuse) {
    core::http_request q;
    q.target = "/status/503?size=10&close=1&wait=1.5s&format=text";
    q.path = std::string_view{q.target}.substr(0, 11);
    q.query = std::string_view{q.target}.substr(12);
    q.headers = {{"X-Echo-Set-Header", "X-A: b c"}};
    core::http_settings s;
    auto c = core::read_controls(q, s);
    EXPECT_EQ(c.error, "");
    EXPECT_EQ(c.status, 503);
    EXPECT_EQ(c.size, 10U);
    EXPECT_TRUE(c.close);
    EXPECT_EQ(c.delay.count(), 1500);
    EXPECT_EQ(c.format, core::reply_format::text);
    ASSERT_EQ(c.set_headers.size(), 1U);
    EXPECT_EQ(c.set_headers[0].value, "b c");
    s.controls = false;
    c = core::read_controls(q, s);
    EXPECT_EQ(c.status, 200);
    EXPECT_FALSE(c.size);
    EXPECT_TRUE(c.set_headers.empty());
    EXPECT_EQ(c.format, core::reply_format::text);  // a format is not a control
    s.controls = true;
    for (const char* bad : {"X-A", "Bad Name: v", "Connection: close", "X: a\rb"}) {
        q.headers = {{"X-Echo-Set-Header", bad}};
        EXPECT_NE(core::read_controls(q, s).error, "") << bad;
    }
    q.headers.clear();
    for (const char* query : {"status=99", "status=600", "size=99999999999", "delay=31s",
                              "delay=5x", "format=xml"}) {
        q.target = std::string{"/?"} + query;
        q.path = "/";
        q.query = std::string_view{q.target}.substr(2);
        EXPECT_NE(core::read_controls(q, s).error, "") << query;
    }
}

namespace {

// Runs the application over `pieces`, sending at most `send_limit` bytes per
// send, and returns all it sent until it finished (or went quiet).
std::string run_app(const std::vector<std::string_view>& pieces, std::size_t send_limit,
                    int* log_lines = nullptr) {
    auto config = std::make_shared<http::http_echo_config>();
    config->observer = std::make_shared<http::http_observer>("test");
    config->server.hostname = "host";
    echo::testing::counting_log log;
    pipeline::app_context ctx;
    ctx.client_address = "192.0.2.1";
    ctx.client_port = 1234;
    ctx.listener = "http://test";
    ctx.log = &log;
    echo::testing::app_driver driver(send_limit);
    http::http_echo_app app(config, ctx);
    for (auto piece : pieces) {
        EXPECT_TRUE(app.wants_input());
        driver.feed(app, piece);
    }
    app.on_peer_eof(0);
    driver.drain(app);
    EXPECT_TRUE(app.finished());
    if (log_lines != nullptr) {
        *log_lines = log.lines;
    }
    return driver.out;
}

}  // namespace

// Timing fields aside (all times are 0 here), the bytes out are the same for any
// split in and any split out.
TEST(HttpEchoApp, SameAnswersAtEverySplit) {
    const std::string input =
        "GET /a?format=body HTTP/1.1\r\nHost: h\r\n\r\n"
        "POST /b?format=body HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\n\r\n"
        "PUT /c HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi"
        "GET /d?size=300 HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET /e?status=404&format=text HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    int lines = 0;
    const auto whole = run_app({input}, SIZE_MAX, &lines);
    EXPECT_EQ(lines, 5);
    EXPECT_NE(whole.find("\r\n\r\nabc"), std::string::npos);
    EXPECT_NE(whole.find("\"body\":\"hi\""), std::string::npos);
    EXPECT_NE(whole.find("HTTP/1.1 404 Not Found"), std::string::npos);
    EXPECT_NE(whole.find("Connection: close"), std::string::npos);
    EXPECT_NE(whole.find("Content-Length: 300\r\n\r\nabcdefghij"), std::string::npos);
    const auto without_continue = [](std::string s) {
        const std::string k = "HTTP/1.1 100 Continue\r\n\r\n";
        if (const auto at = s.find(k); at != std::string::npos) {
            s.erase(at, k.size());
        }
        return s;
    };
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
        const auto std_cut = std::string_view{input};
        EXPECT_EQ(without_continue(run_app({std_cut.substr(0, cut), std_cut.substr(cut)}, 7)),
                  without_continue(whole))
            << "cut at " << cut;
    }
}

TEST(HttpEchoApp, RefusalClosesAfterTheAnswer) {
    const auto out = run_app(
        {"GET / HTTP/1.1\r\nHost: h\r\nNo colon\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n"}, 5);
    EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request", 0), 0U) << out;
    EXPECT_NE(out.find("Connection: close"), std::string::npos);
    EXPECT_EQ(out.find("never"), std::string::npos);
}

// RFC 9112 3.2: an HTTP/1.1 request without Host is answered as any malformed one
// is: 400, counted as malformed, and the connection closed with the rest unread.
TEST(HttpEchoApp, MissingHostIsA400CountedAsMalformed) {
    auto config = std::make_shared<http::http_echo_config>();
    const auto observer = std::make_shared<http::http_observer>("test");
    config->observer = observer;
    echo::testing::counting_log log;
    pipeline::app_context ctx;
    ctx.log = &log;
    echo::testing::app_driver driver;
    http::http_echo_app app(config, ctx);
    driver.feed(app, "GET / HTTP/1.1\r\nX: y\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n");
    driver.drain(app);
    EXPECT_EQ(driver.out.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0U) << driver.out;
    EXPECT_NE(driver.out.find("Connection: close\r\n"), std::string::npos) << driver.out;
    EXPECT_NE(driver.out.find("\r\n\r\nbad_host\n"), std::string::npos) << driver.out;
    EXPECT_EQ(driver.out.find("never"), std::string::npos) << driver.out;
    EXPECT_TRUE(app.finished());
    EXPECT_EQ(log.lines, 1);
    std::string metrics;
    observer->append_metrics(metrics);
    EXPECT_NE(metrics.find("reason=\"malformed\"} 1\n"), std::string::npos) << metrics;
}

// RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; the request is
// answered, the connection closed, and what follows its body never read as one.
TEST(HttpEchoApp, TransferEncodingInHttp10IsAnsweredThenClosed) {
    const auto out = run_app({"POST / HTTP/1.0\r\nConnection: keep-alive\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                              "GET /second HTTP/1.1\r\nHost: a\r\n\r\n"},
                             SIZE_MAX);
    EXPECT_NE(out.find(" 200 OK\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
    EXPECT_EQ(out.find("/second"), std::string::npos) << out;
}

// A client that sends requests and never reads: the send in flight never
// completes, and request_timeout after the last bytes it took the connection is
// abandoned (closed at once). One that reads, however slowly, is not.
TEST(HttpEchoApp, AClientThatStopsReadingIsAbandonedAfterRequestTimeout) {
    constexpr pipeline::time_ns kSecond = 1'000'000'000;
    auto config = std::make_shared<http::http_echo_config>();
    config->observer = std::make_shared<http::http_observer>("test");
    config->settings.request_timeout = std::chrono::seconds{10};
    echo::testing::counting_log log;
    pipeline::app_context ctx;
    ctx.log = &log;
    echo::testing::app_driver driver;
    http::http_echo_app app(config, ctx);
    driver.give(app, "GET /?size=1000000 HTTP/1.1\r\nHost: h\r\n\r\n"
                     "GET /again HTTP/1.1\r\nHost: h\r\n\r\n");
    auto span = app.begin_send();
    ASSERT_FALSE(span.empty());
    EXPECT_EQ(app.wake_at(), std::optional{10 * kSecond});
    // It took 1000 bytes at 9 s: ten more seconds from then.
    app.on_sent(1000, 9 * kSecond);
    span = app.begin_send();
    ASSERT_FALSE(span.empty());
    EXPECT_EQ(app.wake_at(), std::optional{19 * kSecond});
    app.on_timer(10 * kSecond);
    EXPECT_FALSE(app.finished());
    EXPECT_FALSE(app.abandoned());
    app.on_timer(19 * kSecond);
    EXPECT_TRUE(app.abandoned());
    EXPECT_TRUE(app.finished());
    EXPECT_FALSE(app.wants_input());
    EXPECT_EQ(app.failure(), "send_timeout");
}
