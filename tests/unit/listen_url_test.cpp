// --listen URLs: every form the server accepts, and a clear reason for the rest.
#include "core/listen_url.hpp"

#include <gtest/gtest.h>

#include <span>

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

// Each URL is refused with a message naming it and containing the reason.
void expect_refused(std::span<const std::pair<const char*, const char*>> cases) {
    for (const auto& [url, why] : cases) {
        const std::string message = error_of(url);
        EXPECT_NE(message.find(std::string{"--listen '"} + url + "'"), std::string::npos) << message;
        EXPECT_NE(message.find(why), std::string::npos) << message;
    }
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
        {"ftp://x:1", "unknown scheme"},
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
    expect_refused(cases);
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

TEST(ListenUrl, TlsOverTcpAndUnixCarryTheirSettings) {
    auto u = ok("tls://127.0.0.1:0?cert=s.pem&key=s.key&alpn=echo&min=1.3&backlog=5");
    EXPECT_EQ(u.kind, transport::tcp);
    EXPECT_EQ(u.port, 0);
    EXPECT_EQ(u.backlog, 5);
    ASSERT_TRUE(u.tls.has_value());
    ASSERT_EQ(u.tls->identities.size(), 1U);
    EXPECT_EQ(u.tls->identities[0].cert, "s.pem");
    EXPECT_EQ(u.tls->min, echo::core::tls_version::v1_3);
    EXPECT_EQ(u.tls->alpn, std::vector<std::string>{"echo"});
    u = ok("unix+tls:/run/e.sock?cert=a&key=b&ca=c&mode=0600");
    EXPECT_EQ(u.kind, transport::unix_stream);
    EXPECT_EQ(u.path, "/run/e.sock");
    EXPECT_EQ(u.mode, 0600U);
    ASSERT_TRUE(u.tls.has_value());
    EXPECT_EQ(u.tls->verify, echo::core::tls_verify::require);  // ca= asks for client certs
    u = ok("unix+tls:@e?key=b&cert=a");
    EXPECT_TRUE(u.abstract);
    ASSERT_TRUE(u.tls.has_value());
    EXPECT_EQ(u.tls->identities[0].cert, "a");
    EXPECT_EQ(u.tls->identities[0].key, "b");
    // Plain listeners carry no TLS settings.
    EXPECT_FALSE(ok("tcp://127.0.0.1:1").tls.has_value());
    EXPECT_FALSE(ok("unix:/a").tls.has_value());
}

TEST(ListenUrl, TlsErrorsNameTheUrlAndTheKey) {
    const std::pair<const char*, const char*> cases[] = {
        {"tls://127.0.0.1:1", "needs cert=PATH&key=PATH"},
        {"tls://127.0.0.1:1?cert=a", "every cert= needs its key="},
        {"unix+tls:/s?key=a", "every cert= needs its key="},
        {"tls://127.0.0.1:1?cert=a&key=a&verify=require", "verify=optional|require needs ca=PATH"},
        {"tls://127.0.0.1:1?cert=a&key=a&min=1.1", "min must be 1.2 or 1.3"},
        {"tls://127.0.0.1:1?cert=a&key=a&verify=maybe", "verify must be none, optional or require"},
        {"tls://127.0.0.1:1?cert=a&key=a&alpn=", "alpn is a comma-separated list"},
        {"tls://127.0.0.1:1?cert=a&key=a&handshake_timeout=0", "handshake_timeout must be"},
        {"tls://127.0.0.1:1?cert=a&key=a&strict=2", "strict must be 0 or 1"},
        {"tls://127.0.0.1:1?cert=&key=a", "cert needs a file path"},
        {"tls://127.0.0.1:1?cert=a&key=a&ca=", "ca needs a file path"},
        {"tls://127.0.0.1:1?cert=a&key=a&certs=b", "unknown option 'certs'"},
        {"tls://127.0.0.1:1?cert=a&key=a&mode=0600", "unknown option 'mode'"},
        {"unix+tls:/s?cert=a&key=a&nodelay=1", "unknown option 'nodelay'"},
        {"unix+tls:", "missing socket path"},
        {"tls://x", "expected HOST:PORT"},
    };
    expect_refused(cases);
    // TLS keys mean nothing on a plain listener.
    for (const char* url : {"tcp://127.0.0.1:1?cert=a", "unix:/s?alpn=h2", "udp://127.0.0.1:1?min=1.3"}) {
        EXPECT_NE(error_of(url).find("unknown option"), std::string::npos) << url;
    }
}

TEST(ListenUrl, TlsAndTcpOnTheSamePortAreDuplicates) {
    const std::vector<std::vector<std::string>> clashes = {
        {"tcp://127.0.0.1:5", "tls://127.0.0.1:5?cert=a&key=a"},
        {"tls://127.0.0.1:5?cert=a&key=a", "tcp://127.0.0.1:5"},
        {"tls://127.0.0.1:5?cert=a&key=a", "tls://127.0.0.1:5?cert=b&key=b"},
        {"unix:/s", "unix+tls:/s?cert=a&key=a"},
        {"unix+tls:@s?cert=a&key=a", "unix:@s"},
    };
    for (const auto& urls : clashes) {
        auto r = parse_listen_urls(urls);
        ASSERT_TRUE(std::holds_alternative<listen_url_error>(r)) << urls[1];
        const auto& message = std::get<listen_url_error>(r).message;
        EXPECT_NE(message.find("--listen '" + urls[1] + "': duplicate of '" + urls[0] + "'"),
                  std::string::npos)
            << message;
    }
    // Same port, another protocol or address: no clash.
    auto fine = parse_listen_urls({"tls://127.0.0.1:5?cert=a&key=a", "udp://127.0.0.1:5",
                                   "tls://127.0.0.2:5?cert=a&key=a", "unix+tls:/s?cert=a&key=a",
                                   "unix:@s"});
    ASSERT_TRUE(std::holds_alternative<std::vector<listen_url>>(fine));
    EXPECT_EQ(std::get<std::vector<listen_url>>(fine).size(), 5U);
}

TEST(ListenUrl, HttpAndHttpsCarryTheirSettings) {
    auto u = ok("http://127.0.0.1:8080?body_limit=10&max_body=100&max_headers=7&max_head=512"
                "&request_timeout=2.5&max_requests=3&max_response=99&controls=0&proxy=require");
    EXPECT_EQ(u.kind, transport::tcp);
    ASSERT_TRUE(u.http);
    EXPECT_FALSE(u.tls);
    EXPECT_TRUE(u.proxy);
    EXPECT_EQ(u.http->limits.body_limit, 10U);
    EXPECT_EQ(u.http->limits.max_body, 100U);
    EXPECT_EQ(u.http->limits.max_headers, 7U);
    EXPECT_EQ(u.http->limits.max_head, 512U);
    EXPECT_EQ(u.http->request_timeout.count(), 2500);
    EXPECT_EQ(u.http->max_requests, 3U);
    EXPECT_EQ(u.http->max_response, 99U);
    EXPECT_FALSE(u.http->controls);
    EXPECT_EQ(u.http->websocket.session.max_message, 1U << 20);
    EXPECT_TRUE(u.http->websocket.protocols.empty());
    u = ok("https://[::1]:8443?cert=/c.pem&key=/k.pem&alpn=http/1.1&ws_protocols=chat,*"
           "&ws_frames=1&ws_max_message=4KiB");
    ASSERT_TRUE(u.http);
    ASSERT_TRUE(u.tls);
    EXPECT_EQ(u.tls->identities.size(), 1U);
    EXPECT_EQ(u.canonical(), "tcp://[::1]:8443");
    EXPECT_EQ(u.tls->alpn, std::vector<std::string>{"http/1.1"});
    EXPECT_EQ(u.http->websocket.protocols, (std::vector<std::string>{"chat", "*"}));
    EXPECT_TRUE(u.http->websocket.session.echo_frames);
    EXPECT_EQ(u.http->websocket.session.max_message, 4096U);
    EXPECT_FALSE(ok("tcp://x:1").http);
    // HTTP/2 is on unless h2=0; https:// then offers h2 first unless alpn= chose.
    EXPECT_TRUE(ok("http://x:1").http->h2);
    EXPECT_FALSE(ok("http://x:1?h2=0").http->h2);
    EXPECT_EQ(ok("https://x:1?cert=/c&key=/k").tls->alpn,
              (std::vector<std::string>{"h2", "http/1.1"}));
    EXPECT_EQ(ok("https://x:1?cert=/c&key=/k&h2=0").tls->alpn,
              std::vector<std::string>{"http/1.1"});
    EXPECT_TRUE(ok("tls://x:1?cert=/c&key=/k").tls->alpn.empty());
}

TEST(ListenUrl, HttpErrorsNameTheUrlAndTheKey) {
    const std::pair<const char*, const char*> cases[] = {
        {"http://x:1?body_limit=-1", "body_limit must be a whole number"},
        {"http://x:1?max_head=10", "max_head must be a whole number from 64"},
        {"http://x:1?max_headers=0", "max_headers must be a whole number from 1"},
        {"http://x:1?request_timeout=0", "request_timeout must be seconds"},
        {"http://x:1?controls=yes", "controls must be 0 or 1"},
        {"http://x:1?h2=2", "h2 must be 0 or 1"},
        {"https://x:1?cert=/c&key=/k&h2=0&alpn=h2", "alpn offers h2 but h2=0"},
        {"http://x:1?max_body=10&body_limit=20", "body_limit must not exceed max_body"},
        {"http://x:1?max_response=x", "max_response must be a whole number"},
        {"https://x:1", "cert"},
        {"tcp://x:1?body_limit=5", "unknown option 'body_limit'"},
        {"tls://x:1?cert=/c&key=/k&controls=1", "unknown option 'controls'"},
        {"http://x:1?ws_protocols=a/b", "ws_protocols is a comma-separated list"},
        {"http://x:1?ws_frames=2", "ws_frames must be 0 or 1"},
        {"http://x:1?ws_max_message=1GiB", "ws_max_message must be bytes from 1 to 64MiB"},
        {"tcp://x:1?ws_frames=1", "unknown option 'ws_frames'"},
    };
    expect_refused(cases);
}

TEST(ListenUrl, ServiceOnStreamAndDatagramListeners) {
    using echo::core::service_kind;
    EXPECT_EQ(ok("tcp://127.0.0.1:0").service, service_kind::echo);
    EXPECT_EQ(ok("tcp://127.0.0.1:0?service=discard").service, service_kind::discard);
    EXPECT_EQ(ok("udp://127.0.0.1:0?service=daytime").service, service_kind::daytime);
    EXPECT_EQ(ok("unix:@svc?service=time").service, service_kind::time);
    EXPECT_EQ(ok("tls://127.0.0.1:0?cert=a&key=b&service=chargen").service, service_kind::chargen);
    EXPECT_EQ(ok("tcp://127.0.0.1:0?proxy=require&service=echo").service, service_kind::echo);
    const auto u = ok("udp://[::]:0?chargen_from=127.0.0.2,10.0.0.0/8&service=chargen");
    EXPECT_EQ(u.service, service_kind::chargen);
    ASSERT_EQ(u.chargen_from.size(), 2U);
    EXPECT_EQ(u.chargen_from[1].bits, 104U);
}

TEST(ListenUrl, ServiceRefusedWhereItMeansNothing) {
    const std::pair<const char*, const char*> cases[] = {
        {"http://127.0.0.1:0?service=chargen", "service= does not go with http"},
        {"https://127.0.0.1:0?cert=a&key=b&service=echo", "service= does not go with http"},
        {"tcp://127.0.0.1:0?service=qotd", "service must be echo, discard, chargen, daytime or time"},
        {"tcp://127.0.0.1:0?service=", "service must be"},
        {"udp://127.0.0.1:0?chargen_from=10.0.0.0/8", "chargen_from goes with service=chargen"},
        {"udp://127.0.0.1:0?service=daytime&chargen_from=::1", "chargen_from goes with service=chargen"},
        {"udp://127.0.0.1:0?service=chargen&chargen_from=10.0.0.0/33", "chargen_from: '10.0.0.0/33'"},
        {"udp://127.0.0.1:0?service=chargen&chargen_from=", "chargen_from: ''"},
        {"tcp://127.0.0.1:0?service=chargen&chargen_from=::1", "unknown option 'chargen_from'"},
    };
    expect_refused(cases);
}
