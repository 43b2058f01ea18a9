// parse_target_url: the URL forms echo-bench accepts, and clear words for the rest.
#include "core/target_url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using echo::core::parse_target_url;
using echo::core::target_url;
using echo::core::url_error;

TEST(TargetUrl, AcceptsNamesAndLiterals) {
    auto t = std::get<target_url>(parse_target_url("tcp://127.0.0.1:65432"));
    EXPECT_EQ(t.host, "127.0.0.1");
    EXPECT_EQ(t.port, 65432);
    t = std::get<target_url>(parse_target_url("tcp://[::1]:7"));
    EXPECT_EQ(t.host, "::1");
    EXPECT_EQ(t.port, 7);
    t = std::get<target_url>(parse_target_url("tcp://localhost:1"));
    EXPECT_EQ(t.host, "localhost");
}

TEST(TargetUrl, RejectsWithAReason) {
    for (const char* bad : {"127.0.0.1:1", "sctp://1.2.3.4:5", "unix:", "tcp://::1:7", "tcp://host",
                            "tcp://:5", "tcp://h:0", "tcp://h:65536", "tcp://h:5x",
                            "tcp://[::1]7"}) {
        const auto r = parse_target_url(bad);
        ASSERT_TRUE(std::holds_alternative<url_error>(r)) << bad;
        EXPECT_NE(std::get<url_error>(r).message.find(bad), std::string::npos);
    }
}

TEST(TargetUrl, UdpAndUnixTargets) {
    auto t = std::get<target_url>(parse_target_url("udp://[::1]:7"));
    EXPECT_EQ(t.scheme, "udp");
    EXPECT_EQ(t.to_string(), "udp://[::1]:7");
    t = std::get<target_url>(parse_target_url("unix:/tmp/e.sock"));
    EXPECT_EQ(t.path, "/tmp/e.sock");
    EXPECT_FALSE(t.abstract);
    t = std::get<target_url>(parse_target_url("unix:@echo"));
    EXPECT_TRUE(t.abstract);
    EXPECT_EQ(t.to_string(), "unix:@echo");
}

// Found by fuzz/fuzz_target_url: "udp://[[]:7" parsed with host "[", which to_string()
// wrote as "udp://[:7", a URL that does not parse.
TEST(TargetUrl, ToStringParsesBackToTheSameTarget) {
    for (const char* bad : {"udp://[[]:7", "tcp://a]:7", "tcp://x[y:7"}) {
        const auto r = parse_target_url(bad);
        ASSERT_TRUE(std::holds_alternative<url_error>(r)) << bad;
        EXPECT_NE(std::get<url_error>(r).message.find("brackets only enclose"), std::string::npos);
    }
    for (const char* good : {"tcp://[::1]:7", "udp://[127.0.0.1]:7", "tcp://h:1", "unix:@@x"}) {
        const auto t = std::get<target_url>(parse_target_url(good));
        const auto again = std::get<target_url>(parse_target_url(t.to_string()));
        EXPECT_EQ(again.to_string(), t.to_string()) << good;
        EXPECT_EQ(again.host, t.host) << good;
        EXPECT_EQ(again.path, t.path) << good;
    }
}

// TLS is a layer over a stream transport: the scheme keeps naming the transport, so
// everything that asks "unix?" or "udp?" answers the same for the TLS forms.
TEST(TargetUrl, TlsOverTcpAndUnix) {
    auto t = std::get<target_url>(parse_target_url("tls://localhost:8443"));
    EXPECT_EQ(t.scheme, "tcp");
    EXPECT_TRUE(t.tls);
    EXPECT_EQ(t.host, "localhost");
    EXPECT_EQ(t.port, 8443);
    EXPECT_EQ(t.to_string(), "tls://localhost:8443");
    t = std::get<target_url>(parse_target_url("tls://[::1]:7"));
    EXPECT_EQ(t.to_string(), "tls://[::1]:7");
    t = std::get<target_url>(parse_target_url("unix+tls:/run/e.sock"));
    EXPECT_EQ(t.scheme, "unix");
    EXPECT_TRUE(t.tls);
    EXPECT_EQ(t.path, "/run/e.sock");
    EXPECT_EQ(t.to_string(), "unix+tls:/run/e.sock");
    t = std::get<target_url>(parse_target_url("unix+tls:@echo"));
    EXPECT_TRUE(t.abstract);
    EXPECT_EQ(t.to_string(), "unix+tls:@echo");
    EXPECT_FALSE(std::get<target_url>(parse_target_url("tcp://h:1")).tls);
    EXPECT_FALSE(std::get<target_url>(parse_target_url("unix:/x")).tls);
    for (const char* bad : {"tls://h", "tls://:1", "unix+tls:", "dtls://h:1", "udp+tls://h:1"}) {
        EXPECT_TRUE(std::holds_alternative<url_error>(parse_target_url(bad))) << bad;
    }
}

// http(s):// and ws(s):// are an application over tcp (and TLS): the transport and
// TLS answers stay those of tcp:// and tls://, and the request target is kept.
TEST(TargetUrl, HttpAndWebSocketTargets) {
    struct form {
        const char* url;
        bool tls;
        const char* application;
        const char* resource;
    };
    for (const form f : {form{"http://127.0.0.1:80", false, "http", ""},
                         form{"https://h:443/?format=body", true, "http", "/?format=body"},
                         form{"ws://[::1]:9/", false, "ws", "/"},
                         form{"wss://localhost:8443/chat/room?x=1&y=%20", true, "ws",
                              "/chat/room?x=1&y=%20"}}) {
        const auto t = std::get<target_url>(parse_target_url(f.url));
        EXPECT_EQ(t.scheme, "tcp") << f.url;
        EXPECT_EQ(t.tls, f.tls) << f.url;
        EXPECT_EQ(t.application, f.application) << f.url;
        EXPECT_EQ(t.resource, f.resource) << f.url;
        EXPECT_EQ(t.to_string(), f.url);
    }
    const auto t = std::get<target_url>(parse_target_url("ws://[::1]:9/a"));
    EXPECT_EQ(t.host, "::1");
    EXPECT_EQ(t.port, 9);
    EXPECT_TRUE(std::get<target_url>(parse_target_url("tcp://h:1")).application.empty());
}

TEST(TargetUrl, HttpAndWebSocketRejects) {
    const std::string long_path = "http://h:1/" + std::string(4096, 'a');
    for (const std::string& bad : std::vector<std::string>{"http://h", "ws://h:1x/", "wss://:1/", "http://h:1/a b",
                                  "http://h:1/a#frag", "ws://h:1/\x7f", "http://h:1/a\r\nX: y",
                                  "tcp://h:1/", "tls://h:1/x", "h2c://h:1", long_path}) {
        EXPECT_TRUE(std::holds_alternative<url_error>(parse_target_url(bad))) << bad;
    }
    EXPECT_TRUE(std::holds_alternative<target_url>(
        parse_target_url("http://h:1/" + std::string(4095, 'a'))));
}
