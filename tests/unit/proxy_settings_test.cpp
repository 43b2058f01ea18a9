// The PROXY keys of a listener URL, and the networks proxy_from names.
#include "core/listen_url.hpp"
#include "core/proxy_settings.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace {

namespace core = echo::core;

core::peer_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return core::peer_address::ipv4(std::array<std::uint8_t, 4>{a, b, c, d});
}

core::peer_address v6(std::uint8_t first, std::uint8_t last) {
    std::array<std::uint8_t, 16> raw{};
    raw[0] = first;
    raw[15] = last;
    return core::peer_address::ipv6(raw);
}

std::string problem(const std::string& url) {
    const auto r = core::parse_listen_url(url);
    const auto* e = std::get_if<core::listen_url_error>(&r);
    return e ? e->message : "";
}

core::listen_url parsed(const std::string& url) {
    auto r = core::parse_listen_url(url);
    EXPECT_TRUE(std::holds_alternative<core::listen_url>(r)) << problem(url);
    return std::get<core::listen_url>(r);
}

TEST(AddressRange, Ipv4NetworksHoldTheirAddressesOnly) {
    const auto r = core::parse_address_range("10.0.0.0/8");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->contains(v4(10, 1, 2, 3)));
    EXPECT_FALSE(r->contains(v4(11, 0, 0, 1)));
    EXPECT_FALSE(r->contains(v6(0x20, 1)));
    const auto host = core::parse_address_range("192.0.2.7");
    ASSERT_TRUE(host);
    EXPECT_TRUE(host->contains(v4(192, 0, 2, 7)));
    EXPECT_FALSE(host->contains(v4(192, 0, 2, 8)));
    const auto any4 = core::parse_address_range("0.0.0.0/0");
    ASSERT_TRUE(any4);
    EXPECT_TRUE(any4->contains(v4(203, 0, 113, 9)));
    EXPECT_FALSE(any4->contains(v6(0x20, 1)));
}

TEST(AddressRange, Ipv6NetworksAndBadText) {
    const auto r = core::parse_address_range("2000::/8");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->contains(v6(0x20, 9)));
    EXPECT_FALSE(r->contains(v6(0x30, 9)));
    // The host bits of the written network do not matter.
    EXPECT_TRUE(core::parse_address_range("10.9.9.9/8")->contains(v4(10, 0, 0, 1)));
    for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0/8", "host/8",
                            "10.0.0.0/-1", "10.0.0.0/8x"}) {
        EXPECT_FALSE(core::parse_address_range(bad)) << bad;
    }
}

TEST(ProxySettings, RequireReadsEveryConnectionsHeader) {
    const auto url = parsed("tcp://127.0.0.1:0?proxy=require&proxy_timeout=2.5");
    ASSERT_TRUE(url.proxy);
    EXPECT_EQ(url.proxy->mode, core::proxy_mode::require);
    EXPECT_EQ(url.proxy->timeout, std::chrono::milliseconds{2500});
    EXPECT_TRUE(url.proxy->reads_header_from(v4(8, 8, 8, 8)));
    EXPECT_TRUE(url.proxy->reads_header_from(std::nullopt));
    EXPECT_TRUE(parsed("unix:/tmp/x.sock?proxy=require").proxy);
    EXPECT_TRUE(parsed("unix+tls:/tmp/x.sock?proxy=require&cert=c.pem&key=k.pem").proxy);
}

TEST(ProxySettings, OptionalReadsOnlyTheListedSources) {
    const auto url = parsed("tls://[::1]:0?cert=c.pem&key=k.pem&proxy=optional&"
                            "proxy_from=10.0.0.0/8,2001:db8::/32");
    ASSERT_TRUE(url.proxy);
    EXPECT_TRUE(url.proxy->reads_header_from(v4(10, 2, 3, 4)));
    EXPECT_FALSE(url.proxy->reads_header_from(v4(192, 168, 0, 1)));
    EXPECT_FALSE(url.proxy->reads_header_from(std::nullopt));
    EXPECT_EQ(url.proxy->from.size(), 2U);
}

TEST(ProxySettings, BadKeysNameTheProblem) {
    EXPECT_NE(problem("tcp://127.0.0.1:0?proxy=maybe").find("require or optional"),
              std::string::npos);
    EXPECT_NE(problem("tcp://127.0.0.1:0?proxy=optional").find("needs proxy_from"),
              std::string::npos);
    EXPECT_NE(problem("tcp://127.0.0.1:0?proxy=require&proxy_from=10.0.0.0/8")
                  .find("goes with proxy=optional"),
              std::string::npos);
    EXPECT_NE(problem("tcp://127.0.0.1:0?proxy_timeout=3").find("need proxy=require"),
              std::string::npos);
    EXPECT_NE(problem("tcp://127.0.0.1:0?proxy=optional&proxy_from=10.0.0.0/40")
                  .find("not an address or CIDR"),
              std::string::npos);
    EXPECT_NE(problem("tcp://127.0.0.1:0?proxy=require&proxy_timeout=0").find("proxy_timeout"),
              std::string::npos);
    EXPECT_NE(problem("unix:/tmp/x?proxy=optional&proxy_from=10.0.0.0/8").find("Unix listener"),
              std::string::npos);
    EXPECT_FALSE(problem("udp://127.0.0.1:0?proxy=require").empty());
    // Every problem names the URL it is about.
    EXPECT_NE(problem("tcp://127.0.0.1:0?proxy=maybe").find("tcp://127.0.0.1:0?proxy=maybe"),
              std::string::npos);
}

}  // namespace
