// --listen URLs: every form the server accepts, and a clear reason for the rest.
#include "core/listen_url.hpp"

#include <gtest/gtest.h>

using echo::core::listen_url;
using echo::core::listen_url_error;
using echo::core::parse_listen_url;
using echo::core::parse_listen_urls;
using echo::core::transport;

namespace {

listen_url ok(const char* text) {
    auto r = parse_listen_url(text);
    if (auto* e = std::get_if<listen_url_error>(&r)) {
        ADD_FAILURE() << e->message;
        return {};
    }
    return std::get<listen_url>(r);
}

std::string error_of(const char* text) {
    auto r = parse_listen_url(text);
    return std::holds_alternative<listen_url_error>(r) ? std::get<listen_url_error>(r).message
                                                       : "(accepted)";
}

}  // namespace

TEST(ListenUrl, TcpAndUdpWithHostsOfEveryKind) {
    auto u = ok("tcp://127.0.0.1:65432");
    EXPECT_EQ(u.kind, transport::tcp);
    EXPECT_EQ(u.host, "127.0.0.1");
    EXPECT_EQ(u.port, 65432);
    u = ok("udp://[::]:7");
    EXPECT_EQ(u.kind, transport::udp);
    EXPECT_EQ(u.host, "::");
    EXPECT_FALSE(u.ipv6only);
    u = ok("tcp://[fe80::1%eth0]:0?ipv6only=1&backlog=10");
    EXPECT_EQ(u.host, "fe80::1");
    EXPECT_EQ(u.scope, "eth0");
    EXPECT_EQ(u.ipv6only, true);
    EXPECT_EQ(u.backlog, 10);
    EXPECT_EQ(ok("tcp://localhost:1").host, "localhost");
    EXPECT_EQ(ok("tcp://:5").host, "");
}

TEST(ListenUrl, UnixPathsAndAbstractNames) {
    auto u = ok("unix:/run/echo.sock?mode=0660");
    EXPECT_EQ(u.kind, transport::unix_stream);
    EXPECT_EQ(u.path, "/run/echo.sock");
    EXPECT_FALSE(u.abstract);
    EXPECT_EQ(u.mode, 0660U);
    u = ok("unix:@echo");
    EXPECT_TRUE(u.abstract);
    EXPECT_EQ(u.path, "echo");
}

TEST(ListenUrl, RejectsWithTheUrlAndTheReason) {
    const std::pair<const char*, const char*> cases[] = {
        {"http://x:1", "unknown scheme"},
        {"tcp://x", "expected HOST:PORT"},
        {"tcp://::1:5", "IPv6 literals go in brackets"},
        {"tcp://x:70000", "port must be 0-65535"},
        {"tcp://x:1?mode=0600", "unknown option 'mode'"},
        {"udp://x:1?backlog=5", "unknown option 'backlog'"},
        {"unix:@a?mode=0600", "unknown option 'mode'"},
        {"unix:/a?ipv6only=1", "unknown option 'ipv6only'"},
        {"tcp://x:1?backlog=0", "backlog must be a positive number"},
        {"tcp://x:1?ipv6only=yes", "ipv6only must be 0 or 1"},
        {"unix:/a?mode=999", "mode must be octal"},
        {"tcp://x:1?bogus", "needs a value"},
        {"unix:", "missing socket path"},
        {"tcp://[fe80::1%]:1", "empty IPv6 scope"},
    };
    for (const auto& [url, why] : cases) {
        const std::string message = error_of(url);
        EXPECT_NE(message.find(std::string{"--listen '"} + url + "'"), std::string::npos) << message;
        EXPECT_NE(message.find(why), std::string::npos) << message;
    }
}

TEST(ListenUrl, DuplicatesAreRejectedWhateverTheSpelling) {
    auto r = parse_listen_urls({"tcp://127.0.0.1:5", "udp://127.0.0.1:5", "tcp://127.0.0.1:5?backlog=9"});
    ASSERT_TRUE(std::holds_alternative<listen_url_error>(r));
    EXPECT_NE(std::get<listen_url_error>(r).message.find("duplicate of 'tcp://127.0.0.1:5'"),
              std::string::npos);
    auto fine = parse_listen_urls({"tcp://127.0.0.1:5", "udp://127.0.0.1:5", "unix:@x"});
    ASSERT_TRUE(std::holds_alternative<std::vector<listen_url>>(fine));
    EXPECT_EQ(std::get<std::vector<listen_url>>(fine).size(), 3U);
}

// Found by fuzz/fuzz_listen_url: "tcp://:7" was written "tcp://[%]:7", which does
// not parse, and "tcp://a%b:1" was written as the listener host "a", scope "b".
TEST(ListenUrl, CanonicalFormParsesBackToTheSameListener) {
    for (const char* text : {"tcp://:7", "tcp://127.0.0.1:5?backlog=9", "udp://[::1]:7",
                             "tcp://[fe80::1%eth0]:1", "unix:/run/e.sock", "unix:@e"}) {
        const auto url = ok(text);
        const auto again = ok(url.canonical().c_str());
        EXPECT_EQ(again.canonical(), url.canonical()) << text;
        EXPECT_EQ(again.kind, url.kind) << text;
        EXPECT_EQ(again.host, url.host) << text;
        EXPECT_EQ(again.scope, url.scope) << text;
        EXPECT_EQ(again.port, url.port) << text;
        EXPECT_EQ(again.path, url.path) << text;
        EXPECT_EQ(again.abstract, url.abstract) << text;
    }
    EXPECT_EQ(ok("tcp://:7").canonical(), "tcp://[]:7");
    EXPECT_EQ(ok("tcp://[fe80::1%eth0]:1").canonical(), "tcp://[fe80::1%eth0]:1");
}

TEST(ListenUrl, BracketsAndScopeOnlyInsideBrackets) {
    for (const char* text : {"tcp://a%b:1", "udp://a]:1", "tcp://x[y:1"}) {
        EXPECT_NE(error_of(text).find("belong in a bracketed address"), std::string::npos)
            << text;
    }
}
