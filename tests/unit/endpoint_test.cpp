// endpoint and resolver: literals parse, print the way URLs write them, and the
// tutorial's "" host means every IPv4 interface.
#include "net/endpoint.hpp"
#include "net/resolver.hpp"
#include "net/setup_error.hpp"

#include <gtest/gtest.h>

using echo::net::endpoint;

TEST(Endpoint, PrintsIpv4AndBracketedIpv6) {
    EXPECT_EQ(endpoint::from_literal("127.0.0.1", 65432)->to_string(), "127.0.0.1:65432");
    EXPECT_EQ(endpoint::from_literal("::1", 7)->to_string(), "[::1]:7");
    EXPECT_EQ(endpoint::from_literal("::ffff:10.0.0.1", 1)->to_string(), "[::ffff:10.0.0.1]:1");
}

TEST(Endpoint, RejectsWhatIsNotALiteral) {
    EXPECT_FALSE(endpoint::from_literal("localhost", 1));
    EXPECT_FALSE(endpoint::from_literal("[::1]", 1));
    EXPECT_FALSE(endpoint::from_literal("256.0.0.1", 1));
    EXPECT_FALSE(endpoint::from_literal("", 1));
}

TEST(Endpoint, PortRoundTripsAndTakesPartInEquality) {
    auto e = *endpoint::from_literal("10.1.2.3", 80);
    EXPECT_EQ(e.port(), 80);
    EXPECT_EQ(e.family(), AF_INET);
    auto f = e;
    f.set_port(81);
    EXPECT_EQ(f.port(), 81);
    EXPECT_FALSE(e == f);
    f.set_port(80);
    EXPECT_TRUE(e == f);
}

TEST(Endpoint, FromSockaddrRejectsOtherFamilies) {
    sockaddr sa{};
    sa.sa_family = AF_UNIX;
    EXPECT_FALSE(endpoint::from_sockaddr(&sa, sizeof sa));
    auto e = *endpoint::from_literal("::1", 9);
    auto back = endpoint::from_sockaddr(e.sockaddr_ptr(), e.sockaddr_len());
    ASSERT_TRUE(back);
    EXPECT_TRUE(*back == e);
}

TEST(Resolver, EmptyHostMeansAllIpv4Interfaces) {
    const auto all = echo::net::resolve_listen_addresses("", 5);
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0].to_string(), "0.0.0.0:5");
}

TEST(Resolver, LiteralIsTakenAsItIs) {
    const auto one = echo::net::resolve_listen_addresses("::1", 6);
    ASSERT_EQ(one.size(), 1U);
    EXPECT_EQ(one[0].to_string(), "[::1]:6");
}

TEST(Resolver, UnresolvableHostNamesTheHost) {
    try {
        (void)echo::net::resolve_listen_addresses("no-such-host.invalid", 1);
        FAIL() << "expected setup_error";
    } catch (const echo::net::setup_error& e) {
        EXPECT_NE(std::string{e.what()}.find("resolve host 'no-such-host.invalid'"),
                  std::string::npos);
    }
}
