// What scrapers and log shippers read: the Prometheus text, JSON log members, and
// the HTTP request parsing of the metrics endpoint.
#include "core/http_exchange.hpp"
#include "core/log_event.hpp"
#include "core/prometheus_text.hpp"

#include <gtest/gtest.h>

namespace {

using namespace echo::core;

TEST(PrometheusText, EachFamilyOnceAndEverySeriesLabelled) {
    metrics_snapshot m;
    m.version = "1.2.3";
    m.engine = "epoll";
    listener_snapshot a{"tcp://127.0.0.1:7", {}};
    a.tallies[tally::accepted] = 5;
    a.tallies[tally::refused(refusal::max_connections)] = 1;
    a.tallies[tally::closed(close_reason::idle_timeout)] = 3;
    a.tallies[tally::bytes_in] = 640;
    m.listeners = {a, {"udp://[::1]:7", {}}};
    const auto text = prometheus_text(m);
    EXPECT_NE(text.find("echo_build_info{version=\"1.2.3\",engine=\"epoll\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("echo_connections_open{listener=\"tcp://127.0.0.1:7\",engine=\"epoll\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("echo_connections_closed_total{listener=\"tcp://127.0.0.1:7\",engine="
                        "\"epoll\",reason=\"idle_timeout\"} 3\n"),
              std::string::npos);
    EXPECT_NE(text.find("echo_received_bytes_total{listener=\"udp://[::1]:7\",engine=\"epoll\"} 0"),
              std::string::npos);
    std::size_t helps = 0;
    for (auto at = text.find("# TYPE echo_connections_refused_total"); at != std::string::npos;
         at = text.find("# TYPE echo_connections_refused_total", at + 1)) {
        ++helps;
    }
    EXPECT_EQ(helps, 1U);
    EXPECT_EQ(text.back(), '\n');
}

TEST(PrometheusText, OpenNeverUnderflowsOnATornSnapshot) {
    listener_tallies t{};
    t[tally::accepted] = 1;
    t[tally::closed(close_reason::reset)] = 2;
    EXPECT_EQ(open_connections(t), 0U);
}

TEST(PrometheusText, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label("unix:/tmp/a\"b\\c\nd"), "unix:/tmp/a\\\"b\\\\c\\nd");
}

TEST(LogEvent, MembersInStableOrderEmptyOnesLeftOut) {
    log_event e{.event = "closed", .peer = "[::1]:5", .listener = "tcp://[::1]:7",
                .bytes_in = 3, .bytes_out = 2, .duration_ms = 1.5, .reason = "reset"};
    EXPECT_EQ(json_members(e),
              "\"event\":\"closed\",\"peer\":\"[::1]:5\",\"listener\":\"tcp://[::1]:7\","
              "\"bytes_in\":3,\"bytes_out\":2,\"duration_ms\":1.500,\"reason\":\"reset\"");
    EXPECT_EQ(json_members({.event = "connected"}), "\"event\":\"connected\"");
    EXPECT_EQ(json_line("T", "info", "\"event\":\"x\""),
              "{\"ts\":\"T\",\"level\":\"info\",\"event\":\"x\"}");
}

TEST(LogEvent, EscapesWhatJsonForbids) {
    EXPECT_EQ(json_escape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
    EXPECT_EQ(json_escape("unix:/tmp/é"), "unix:/tmp/é") << "UTF-8 passes through";
}

TEST(HttpExchange, CompleteOnlyAfterTheBlankLine) {
    request_line r;
    EXPECT_EQ(parse_request_head("GET /metrics HTTP/1.1\r\nHost: x\r\n", r), head_status::incomplete);
    EXPECT_EQ(parse_request_head("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", r),
              head_status::complete);
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.path, "/metrics");
}

TEST(HttpExchange, ReadsAuthorizationAndContentLengthAtEverySplit) {
    const std::string head =
        "PUT /listeners/0/faults HTTP/1.1\r\nHost: x\r\nauthorization:  Bearer s3cret \r\n"
        "CONTENT-LENGTH: 17\r\n\r\n";
    for (std::size_t cut = 0; cut < head.size(); ++cut) {
        request_line r;
        EXPECT_EQ(parse_request_head(std::string_view{head}.substr(0, cut), r),
                  head_status::incomplete)
            << cut;
    }
    request_line r;
    ASSERT_EQ(parse_request_head(head + "{\"delay\":\"200ms\"}", r), head_status::complete);
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.authorization, "Bearer s3cret");
    EXPECT_EQ(r.content_length, 17U);
    EXPECT_EQ(r.head_size, head.size());
    for (const char* bad : {"Content-Length: 1x", "Content-Length: -1", "Content-Length:",
                            "Content-Length: 99999999999999999999999", "no colon here"}) {
        request_line b;
        EXPECT_EQ(parse_request_head(std::string{"PUT / HTTP/1.1\r\n"} + bad + "\r\n\r\n", b),
                  head_status::malformed)
            << bad;
    }
}

TEST(HttpExchange, MalformedEarlyOrOverLong) {
    request_line r;
    EXPECT_EQ(parse_request_head("\x16\x03\x01 tls hello\r\n", r), head_status::malformed);
    EXPECT_EQ(parse_request_head("GET metrics HTTP/1.1\r\n\r\n", r), head_status::malformed);
    EXPECT_EQ(parse_request_head("GET / SPDY/3\r\n\r\n", r), head_status::malformed);
    EXPECT_EQ(parse_request_head(std::string(kMaxRequestHead + 1, 'A'), r), head_status::malformed);
    const std::string endless_headers = "GET / HTTP/1.1\r\n" + std::string(kMaxRequestHead, 'h');
    EXPECT_EQ(parse_request_head(endless_headers, r), head_status::malformed);
}

// Found by fuzz/fuzz_request_head: a head whose blank line lay just past the limit
// was complete when it arrived in one read and malformed when split.
TEST(HttpExchange, VerdictOnALongHeadDoesNotDependOnTheReads) {
    std::string head = "GET /metrics HTTP/1.1\r\n";
    while (head.size() < kMaxRequestHead + 100) {
        head += "X-Filler: ffffffffffffffffffffffffffffffffffffffff\r\n";
    }
    head += "\r\n";
    request_line r;
    EXPECT_EQ(parse_request_head(std::string_view{head}.substr(0, kMaxRequestHead), r),
              head_status::malformed);
    EXPECT_EQ(parse_request_head(head, r), head_status::malformed);
    EXPECT_EQ(parse_request_head(std::string_view{head}.substr(0, kMaxRequestHead - 1), r),
              head_status::incomplete);

    std::string at_limit = "GET / HTTP/1.1\r\nX: ";
    at_limit += std::string(kMaxRequestHead - at_limit.size() - 4, 'x') + "\r\n\r\n";
    ASSERT_EQ(at_limit.size(), kMaxRequestHead);
    EXPECT_EQ(parse_request_head(at_limit + "trailing body", r), head_status::complete);
    EXPECT_EQ(r.path, "/");
}

// Two lengths that differ leave the body's end a guess (RFC 9112 6.3): refused. The
// same length twice is one length. A Transfer-Encoding is noted at every split.
TEST(HttpExchange, TwoDifferentLengthsAreMalformedAndTransferEncodingIsNoted) {
    request_line twice;
    EXPECT_EQ(parse_request_head("PUT / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n",
                                 twice),
              head_status::complete);
    EXPECT_EQ(twice.content_length, 5U);
    const std::string differ = "PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n";
    for (std::size_t cut = 0; cut <= differ.size(); ++cut) {
        request_line r;
        const auto status = parse_request_head(std::string_view{differ}.substr(0, cut), r);
        EXPECT_EQ(status, cut == differ.size() ? head_status::malformed : head_status::incomplete)
            << cut;
    }
    const std::string chunked = "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t cut = 0; cut <= chunked.size(); ++cut) {
        request_line r;
        const auto status = parse_request_head(std::string_view{chunked}.substr(0, cut), r);
        if (cut < chunked.size()) {
            EXPECT_EQ(status, head_status::incomplete) << cut;
        } else {
            EXPECT_EQ(status, head_status::complete);
            EXPECT_TRUE(r.transfer_encoding);
        }
    }
    request_line plain;
    ASSERT_EQ(parse_request_head("GET / HTTP/1.1\r\n\r\n", plain), head_status::complete);
    EXPECT_FALSE(plain.transfer_encoding);
}

TEST(HttpExchange, BearerSchemeIsMatchedWithoutRegardToCase) {
    EXPECT_EQ(bearer_token("Bearer s3cret"), "s3cret");
    EXPECT_EQ(bearer_token("bearer s3cret"), "s3cret");
    EXPECT_EQ(bearer_token("BEARER   s3cret"), "s3cret");
    EXPECT_EQ(bearer_token("Basic czNjcmV0"), std::nullopt);
    EXPECT_EQ(bearer_token("Bearers3cret"), std::nullopt);
    EXPECT_EQ(bearer_token(""), std::nullopt);
}

TEST(HttpExchange, AChallengeIsAHeaderOfItsOwn) {
    http_response resp{401, "text/plain", "token\n", "Bearer"};
    const auto full = serialise(resp, false);
    EXPECT_EQ(full.rfind("HTTP/1.1 401 Unauthorized\r\n", 0), 0U);
    EXPECT_NE(full.find("\r\nWWW-Authenticate: Bearer\r\n"), std::string::npos);
    EXPECT_EQ(serialise({200, "text/plain", "ok\n", {}}, false).find("WWW-Authenticate"),
              std::string::npos);
    EXPECT_EQ(serialise({411, "text/plain", "", {}}, true).rfind("HTTP/1.1 411 Length Required", 0),
              0U);
}

TEST(HttpExchange, ResponseHasLengthAndHeadHasNoBody) {
    http_response resp{503, "text/plain", "draining\n", {}};
    const auto full = serialise(resp, false);
    EXPECT_EQ(full.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0U);
    EXPECT_NE(full.find("Content-Length: 9\r\n"), std::string::npos);
    EXPECT_TRUE(full.ends_with("\r\n\r\ndraining\n"));
    EXPECT_TRUE(serialise(resp, true).ends_with("\r\n\r\n"));
}

}  // namespace
