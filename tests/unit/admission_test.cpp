// Admission limits and the token bucket behind the accept rate, over a fake clock.
#include "core/admission.hpp"
#include "core/token_bucket.hpp"

#include <array>
#include <cstring>

#include <gtest/gtest.h>

namespace {

using echo::core::admission;
using echo::core::connection_limits;
using echo::core::peer_address;
using echo::core::refusal;
using echo::core::token_bucket;

constexpr std::int64_t kSecond = 1'000'000'000;

peer_address host(std::uint8_t last) {
    return peer_address::ipv4(std::array<std::uint8_t, 4>{10, 0, 0, last});
}

TEST(TokenBucket, AllowsTheBurstThenTheRate) {
    token_bucket b{3, 0};
    int taken = 0;
    while (b.take(2, 3, 0)) {
        ++taken;
    }
    EXPECT_EQ(taken, 3);
    EXPECT_FALSE(b.take(2, 3, kSecond / 4)) << "half a token after 250 ms";
    EXPECT_TRUE(b.take(2, 3, kSecond / 2));
    EXPECT_FALSE(b.take(2, 3, kSecond / 2));
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(b.take(2, 3, 100 * kSecond)) << "a long pause refills to the burst only";
    }
    EXPECT_FALSE(b.take(2, 3, 100 * kSecond));
}

TEST(TokenBucket, AClockGoingBackwardsAddsNothing) {
    token_bucket b{1, 10 * kSecond};
    EXPECT_TRUE(b.take(1, 1, 10 * kSecond));
    EXPECT_FALSE(b.take(1, 1, 5 * kSecond));
}

TEST(Admission, NoLimitsAdmitsEverything) {
    admission a{connection_limits{}};
    for (int i = 0; i < 1000; ++i) {
        EXPECT_FALSE(a.admit(host(1), 0));
    }
    EXPECT_EQ(a.open(), 1000U);
}

TEST(Admission, GlobalLimitFreesOnRelease) {
    connection_limits l;
    l.max_connections = 2;
    admission a{l};
    EXPECT_FALSE(a.admit(host(1), 0));
    EXPECT_FALSE(a.admit(std::nullopt, 0)) << "Unix peers count too";
    EXPECT_EQ(a.admit(host(3), 0), refusal::max_connections);
    a.release(host(1));
    EXPECT_FALSE(a.admit(host(3), 0));
    EXPECT_EQ(a.open(), 2U);
}

TEST(Admission, PerAddressLimitIsPerAddressAndForgetsIdleOnes) {
    connection_limits l;
    l.max_connections_per_ip = 2;
    admission a{l};
    EXPECT_FALSE(a.admit(host(7), 0));
    EXPECT_FALSE(a.admit(host(7), 0));
    EXPECT_EQ(a.admit(host(7), 0), refusal::max_connections_per_ip);
    EXPECT_FALSE(a.admit(host(8), 0)) << "another address is unaffected";
    EXPECT_FALSE(a.admit(std::nullopt, 0)) << "Unix peers have no address";
    a.release(host(7));
    a.release(host(7));
    a.release(host(8));
    EXPECT_EQ(a.addresses(), 0U) << "memory is bounded by open connections";
    EXPECT_FALSE(a.admit(host(7), 0));
}

TEST(Admission, RateIsCheckedFirstAndChargedForEveryAttempt) {
    connection_limits l;
    l.max_accept_rate = 2;
    l.max_connections = 1;
    admission a{l};
    EXPECT_FALSE(a.admit(host(1), kSecond));
    EXPECT_EQ(a.admit(host(1), kSecond), refusal::max_connections);
    EXPECT_EQ(a.admit(host(1), kSecond), refusal::accept_rate) << "the refused one still spent a token";
    EXPECT_EQ(a.open(), 1U);
}

peer_address v6(std::array<std::uint8_t, 16> bytes) { return peer_address::ipv6(bytes); }

TEST(Admission, IPv6PeersCountByTheirPrefix) {
    connection_limits l;
    l.max_connections_per_ip = 1;
    admission per64{l};  // the default: one subscriber's /64
    const auto a = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1});
    const auto same64 = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0xde, 0xad, 0, 0, 0, 0, 0, 2});
    const auto other64 = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1});
    EXPECT_FALSE(per64.admit(a, 0));
    EXPECT_EQ(per64.admit(same64, 0), refusal::max_connections_per_ip)
        << "rotating the interface identifier does not escape the limit";
    EXPECT_FALSE(per64.admit(other64, 0));
    per64.release(a);
    EXPECT_FALSE(per64.admit(same64, 0)) << "released under the same key";

    l.ipv6_prefix_len = 128;
    admission exact{l};
    EXPECT_FALSE(exact.admit(a, 0));
    EXPECT_FALSE(exact.admit(same64, 0)) << "per address at /128";
    EXPECT_EQ(exact.admit(a, 0), refusal::max_connections_per_ip);
}

// The old key folded an IPv6 address into 64 bits, high * C ^ low, which anyone can
// solve: for any victim and any high half of the attacker's choosing, one low half
// gives the victim's key. That attacker's connections must not count as the victim's.
TEST(Admission, AnAddressSolvedForTheOldMixIsAnotherPeer) {
    constexpr std::uint64_t kOldMix = 0x9e3779b97f4a7c15ULL;
    const std::array<std::uint64_t, 2> victim_halves{0x00000000b80d0120ULL, 0x0100000000000000ULL};
    std::array<std::uint64_t, 2> attacker_halves{victim_halves[0] + 1, 0};
    attacker_halves[1] = attacker_halves[0] * kOldMix ^ victim_halves[0] * kOldMix ^ victim_halves[1];
    ASSERT_EQ(attacker_halves[0] * kOldMix ^ attacker_halves[1],
              victim_halves[0] * kOldMix ^ victim_halves[1]) << "a collision in the old scheme";
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), victim_halves.data(), bytes.size());
    const auto victim = v6(bytes);
    std::memcpy(bytes.data(), attacker_halves.data(), bytes.size());
    const auto attacker = v6(bytes);

    connection_limits l;
    l.max_connections_per_ip = 1;
    l.ipv6_prefix_len = 128;
    admission a{l};
    EXPECT_FALSE(a.admit(attacker, 0));
    EXPECT_FALSE(a.admit(victim, 0)) << "the victim is not charged for the attacker";
    EXPECT_EQ(a.addresses(), 2U);
}

TEST(Admission, AMappedIPv6PeerIsItsIPv4Address) {
    connection_limits l;
    l.max_connections_per_ip = 1;
    l.ipv6_prefix_len = 8;  // would lump every ::ffff:0:0/96 peer together if applied
    admission a{l};
    EXPECT_FALSE(a.admit(host(1), 0));
    EXPECT_EQ(a.admit(v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1}), 0),
              refusal::max_connections_per_ip);
    EXPECT_FALSE(a.admit(host(2), 0)) << "another IPv4 host, despite the short prefix";
}

TEST(Admission, AConnectionNamedLaterIsCountedUnderTheClientItNames) {
    connection_limits limits;
    limits.max_connections_per_ip = 2;
    limits.max_connections = 10;
    admission a{limits};
    // A balancer's connections: admitted without an address, then named.
    for (int i = 0; i < 3; ++i) {
        ASSERT_FALSE(a.admit(std::nullopt, 0));
    }
    EXPECT_FALSE(a.admit_address(host(7)));
    EXPECT_FALSE(a.admit_address(host(7)));
    EXPECT_EQ(a.admit_address(host(7)), refusal::max_connections_per_ip);
    EXPECT_FALSE(a.admit_address(host(8))) << "another client behind the same balancer";
    EXPECT_EQ(a.open(), 3U);
    // Each is released as it is counted: the refused one with no address.
    a.release(host(7));
    a.release(host(8));
    a.release(std::nullopt);
    EXPECT_EQ(a.addresses(), 1U);
    EXPECT_FALSE(a.admit_address(host(7)));
    EXPECT_EQ(a.open(), 0U) << "open counts admit(), not admit_address()";
}

}  // namespace
