// Socket options in --listen URLs: each key's good values, its bounds, the
// transports that take it, and an error that names the URL and the key.
#include "core/listen_url.hpp"

#include <gtest/gtest.h>

#include <string>

using echo::core::listen_url;
using echo::core::listen_url_error;
using echo::core::parse_listen_url;
using echo::core::socket_options;
using echo::core::transport;

namespace {

socket_options options_of(const std::string& url) {
    auto r = parse_listen_url(url);
    if (auto* e = std::get_if<listen_url_error>(&r)) {
        ADD_FAILURE() << e->message;
        return {};
    }
    return std::get<listen_url>(r).sockopts;
}

// The refusal of `query` on `base`, checked to name the whole URL.
std::string refusal(const std::string& base, const std::string& query) {
    const std::string url = base + "?" + query;
    auto r = parse_listen_url(url);
    if (!std::holds_alternative<listen_url_error>(r)) {
        return "(accepted)";
    }
    const auto& message = std::get<listen_url_error>(r).message;
    EXPECT_TRUE(message.starts_with("--listen '" + url + "': ")) << message;
    return message;
}

}  // namespace

TEST(SocketOptions, DefaultsSetNothingButNodelay) {
    const auto o = options_of("tcp://127.0.0.1:0");
    EXPECT_TRUE(o.nodelay);
    EXPECT_FALSE(o.keepalive || o.sndbuf || o.rcvbuf || o.tos || o.dscp || o.mss ||
                 o.fastopen || o.defer_accept || o.user_timeout || o.mark || o.freebind);
    EXPECT_TRUE(o.cc.empty());
    EXPECT_FALSE(o.traffic_class());
}

TEST(SocketOptions, EveryTcpKeyAtItsBounds) {
    auto o = options_of(
        "tcp://127.0.0.1:0?nodelay=0&keepalive=1,32767,127&sndbuf=1024&rcvbuf=1073741824"
        "&tos=255&mss=88&cc=reno&fastopen=65535&defer_accept=3600&user_timeout=2147483647"
        "&mark=4294967295&freebind=1");
    EXPECT_FALSE(o.nodelay);
    ASSERT_TRUE(o.keepalive);
    EXPECT_EQ(o.keepalive->idle, 1);
    EXPECT_EQ(o.keepalive->interval, 32767);
    EXPECT_EQ(o.keepalive->count, 127);
    EXPECT_EQ(o.sndbuf, 1024);
    EXPECT_EQ(o.rcvbuf, 1 << 30);
    EXPECT_EQ(o.traffic_class(), 255);
    EXPECT_EQ(o.mss, 88);
    EXPECT_EQ(o.cc, "reno");
    EXPECT_EQ(o.fastopen, 65535);
    EXPECT_EQ(o.defer_accept, 3600);
    EXPECT_EQ(o.user_timeout, 2147483647);
    EXPECT_EQ(o.mark, 4294967295U);
    EXPECT_EQ(o.freebind, true);

    o = options_of("tcp://[::1]:0?keepalive=32767,1,1&mss=32767&cc=Tcp_Hy-bla&fastopen=1"
                   "&defer_accept=1&user_timeout=1&mark=0&freebind=0&dscp=46");
    EXPECT_EQ(o.keepalive->idle, 32767);
    EXPECT_EQ(o.mss, 32767);
    EXPECT_EQ(o.cc, "Tcp_Hy-bla");
    EXPECT_EQ(o.mark, 0U);
    EXPECT_EQ(o.freebind, false);
    EXPECT_EQ(o.dscp, 46);
    EXPECT_EQ(o.traffic_class(), 46 << 2);  // EF, 0xb8
}

TEST(SocketOptions, UdpTakesTheOnesThatApply) {
    const auto o = options_of("udp://[::]:0?sndbuf=65536&rcvbuf=2048&dscp=63&mark=7&freebind=1");
    EXPECT_EQ(o.sndbuf, 65536);
    EXPECT_EQ(o.rcvbuf, 2048);
    EXPECT_EQ(o.traffic_class(), 252);
    EXPECT_EQ(o.mark, 7U);
    EXPECT_EQ(o.freebind, true);
    for (const char* tcp_only : {"nodelay=1", "keepalive=1,1,1", "mss=1000", "cc=reno",
                                 "fastopen=5", "defer_accept=5", "user_timeout=5"}) {
        const auto key = std::string{tcp_only}.substr(0, std::string{tcp_only}.find('='));
        EXPECT_NE(refusal("udp://127.0.0.1:7", tcp_only)
                      .find("unknown option '" + key + "' for this kind of listener"),
                  std::string::npos)
            << tcp_only;
    }
}

TEST(SocketOptions, UnixTakesNone) {
    for (const char* key : {"nodelay", "sndbuf", "rcvbuf", "tos", "dscp", "mark", "freebind",
                            "keepalive", "mss", "cc", "fastopen", "defer_accept",
                            "user_timeout"}) {
        for (const char* base : {"unix:/run/e.sock", "unix:@e"}) {
            EXPECT_NE(refusal(base, std::string{key} + "=1")
                          .find("unknown option '" + std::string{key} + "'"),
                      std::string::npos)
                << base << " " << key;
        }
    }
}

TEST(SocketOptions, BadValuesNameTheKeyAndItsRange) {
    const std::pair<const char*, const char*> cases[] = {
        {"nodelay=2", "nodelay must be 0 or 1"},
        {"freebind=yes", "freebind must be 0 or 1"},
        {"keepalive=0,1,1", "keepalive must be IDLE,INTERVAL,COUNT"},
        {"keepalive=1,32768,1", "keepalive must be"},
        {"keepalive=1,1,128", "keepalive must be"},
        {"keepalive=1,1", "keepalive must be"},
        {"keepalive=1,1,1,1", "keepalive must be"},
        {"keepalive=1,,1", "keepalive must be"},
        {"keepalive=", "keepalive must be"},
        {"sndbuf=1023", "sndbuf must be 1024-1073741824 bytes"},
        {"sndbuf=1073741825", "sndbuf must be"},
        {"rcvbuf=64K", "rcvbuf must be 1024-1073741824 bytes"},
        {"rcvbuf=-1", "rcvbuf must be"},
        {"tos=256", "tos must be 0-255"},
        {"tos=0x10", "tos must be 0-255"},
        {"dscp=64", "dscp must be 0-63"},
        {"mss=87", "mss must be 88-32767"},
        {"mss=65535", "mss must be 88-32767"},
        {"cc=", "cc must be a congestion control name"},
        {"cc=abcdefghijklmnop", "cc must be"},  // 16 bytes
        {"cc=re/no", "cc must be"},
        {"cc=re%20no", "cc must be"},
        {"fastopen=0", "fastopen must be 1-65535"},
        {"fastopen=65536", "fastopen must be"},
        {"defer_accept=0", "defer_accept must be 1-3600 seconds"},
        {"user_timeout=0", "user_timeout must be 1-2147483647 milliseconds"},
        {"user_timeout=2147483648", "user_timeout must be"},
        {"user_timeout=99999999999999999999999", "user_timeout must be"},
        {"mark=4294967296", "mark must be 0-4294967295"},
        {"mark=-1", "mark must be"},
        {"mark=+1", "mark must be"},
        {"tos=16&dscp=4", "tos and dscp set the same byte"},
        {"dscp=4&tos=16", "tos and dscp set the same byte"},
        {"nodelays=1", "unknown option 'nodelays'"},
    };
    for (const auto& [query, why] : cases) {
        EXPECT_NE(refusal("tcp://127.0.0.1:7", query).find(why), std::string::npos) << query;
    }
    EXPECT_NE(refusal("udp://127.0.0.1:7", "dscp=1&tos=4").find("tos and dscp"),
              std::string::npos);
}

TEST(SocketOptions, SetTakesOneKeyForATransport) {
    socket_options o;
    EXPECT_FALSE(o.set(transport::tcp, "mss", "1000"));
    EXPECT_EQ(o.mss, 1000);
    EXPECT_TRUE(o.set(transport::udp, "mss", "1000"));
    EXPECT_TRUE(o.set(transport::unix_stream, "mark", "1"));
    EXPECT_FALSE(o.set(transport::udp, "mark", "1"));
    EXPECT_EQ(o.mark, 1U);
}
