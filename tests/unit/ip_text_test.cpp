// ip_text: strict reading of dotted quads and IPv6 text, RFC 5952 writing, and the
// prefix checks never refusing the start of a valid address.
#include "core/ip_text.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace {

using namespace echo::core;

std::string round_trip(std::string_view text) {
    const auto a = text.find(':') == std::string_view::npos ? parse_ipv4_text(text) : parse_ipv6_text(text);
    return a ? format_ip(*a) : "<refused>";
}

TEST(IpText, ReadsAndWritesCanonically) {
    EXPECT_EQ(round_trip("0.0.0.0"), "0.0.0.0");
    EXPECT_EQ(round_trip("255.255.255.255"), "255.255.255.255");
    EXPECT_EQ(round_trip("2001:DB8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");  // first longest run
    EXPECT_EQ(round_trip("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");  // one zero group stays
    EXPECT_EQ(round_trip("::"), "::");
    EXPECT_EQ(round_trip("::1"), "::1");
    EXPECT_EQ(round_trip("1::"), "1::");
    EXPECT_EQ(round_trip("0001:0:0:0:0:0:0:0"), "1::");
    EXPECT_EQ(round_trip("::ffff:192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(round_trip("64:ff9b::192.0.2.1"), "64:ff9b::c000:201");
    EXPECT_EQ(format_ipv6(*parse_ipv4_text("192.0.2.1")), "::ffff:192.0.2.1");
}

TEST(IpText, RefusesWhatIsNotStrictlyAnAddress) {
    for (const auto* bad : {"", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "1.2.3.4 ", "+1.2.3.4",
                            "1..2.3", "0x1.2.3.4"}) {
        EXPECT_FALSE(parse_ipv4_text(bad)) << bad;
    }
    for (const auto* bad : {":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::",
                            ":1::", "1:2:3:4:5:6:7::8", "::1.2.3", "1.2.3.4::", "fe80::1%lo", "g::",
                            "::ffff:1.2.3.4:1"}) {
        EXPECT_FALSE(parse_ipv6_text(bad)) << bad;
    }
}

TEST(IpText, EveryPrefixOfAValidAddressCouldStartOne) {
    for (const std::string_view good : {"192.168.100.200", "0.0.0.0", "10.0.0.1"}) {
        for (std::size_t cut = 0; cut <= good.size(); ++cut) {
            EXPECT_TRUE(could_start_ipv4_text(good.substr(0, cut))) << good << " cut at " << cut;
        }
    }
    for (const std::string_view good : {"2001:db8::1", "::ffff:192.0.2.1", "1:2:3:4:5:6:7::", "::",
                                        "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"}) {
        ASSERT_TRUE(parse_ipv6_text(good)) << good;
        for (std::size_t cut = 0; cut <= good.size(); ++cut) {
            EXPECT_TRUE(could_start_ipv6_text(good.substr(0, cut))) << good << " cut at " << cut;
        }
    }
    EXPECT_FALSE(could_start_ipv4_text("1.2.3.4."));
    EXPECT_FALSE(could_start_ipv4_text("256"));
    EXPECT_FALSE(could_start_ipv6_text("12345"));
    EXPECT_FALSE(could_start_ipv6_text("1:2:3:4:5:6:7:8:"));
    EXPECT_FALSE(could_start_ipv6_text("::1::"));
}

TEST(IpText, HexValueTakesBothCasesAndNothingElse) {
    const std::string digits = "0123456789abcdef";
    int taken = 0;
    for (int c = 0; c < 256; ++c) {
        const auto ch = static_cast<char>(c);
        const auto at = digits.find(static_cast<char>(std::tolower(c)));
        const int want = at == std::string::npos ? -1 : static_cast<int>(at);
        EXPECT_EQ(hex_value(ch), want) << c;
        taken += want >= 0 ? 1 : 0;
    }
    EXPECT_EQ(taken, 22);  // ten digits, six letters in each case
}

}  // namespace
