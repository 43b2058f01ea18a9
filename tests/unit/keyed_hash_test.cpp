// The keyed hash behind the limit tables: the SipHash reference vector, and the key
// actually changing where addresses land.
#include "core/keyed_hash.hpp"
#include "core/peer_address.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>

namespace {

using echo::core::hash_key;
using echo::core::keyed_hash;
using echo::core::peer_address;
using echo::core::siphash;

// Key 00..0f, as in the SipHash paper's appendix A.
constexpr hash_key kReferenceKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

TEST(KeyedHash, MatchesTheSipHash24ReferenceVectors) {
    std::array<std::uint8_t, 15> message{};
    for (std::size_t i = 0; i < message.size(); ++i) {
        message[i] = static_cast<std::uint8_t>(i);
    }
    // The paper's vector (15 bytes 00..0e) and the reference code's vectors.h for
    // the empty message and for 8 bytes (a whole word, then the length block).
    EXPECT_EQ((siphash<2, 4>(kReferenceKey, message)), 0xa129ca6149be45e5ULL);
    EXPECT_EQ((siphash<2, 4>(kReferenceKey, {})), 0x726fdb47dd0e0e31ULL);
    EXPECT_EQ((siphash<2, 4>(kReferenceKey, std::span{message}.first(8))), 0x93f5f5799a932462ULL);
}

TEST(KeyedHash, TheKeyDecidesTheBucket) {
    const auto a = peer_address::ipv4(std::array<std::uint8_t, 4>{127, 0, 0, 1});
    EXPECT_EQ(keyed_hash({1, 2}, a.bytes), keyed_hash({1, 2}, a.bytes));
    EXPECT_NE(keyed_hash({1, 2}, a.bytes), keyed_hash({1, 3}, a.bytes));
    EXPECT_NE(hash_key::random().k0, hash_key::random().k0) << "two draws, same 64 bits";
}

TEST(KeyedHash, NeighbouringAddressesSpreadOverATable) {
    std::set<std::uint64_t> buckets;
    for (int i = 0; i < 256; ++i) {
        const auto a = peer_address::ipv4(std::array<std::uint8_t, 4>{127, 0, 0, static_cast<std::uint8_t>(i)});
        buckets.insert(keyed_hash({42, 43}, a.bytes) % 4096);
    }
    EXPECT_GT(buckets.size(), 240U) << "256 neighbours in 4096 buckets should rarely meet";
}

TEST(PeerAddress, IPv4IsItsMappedIPv6Form) {
    const auto v4 = peer_address::ipv4(std::array<std::uint8_t, 4>{192, 0, 2, 7});
    const std::array<std::uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7};
    EXPECT_EQ(v4, peer_address::ipv6(mapped));
    EXPECT_TRUE(v4.is_ipv4());
    EXPECT_NE(v4, peer_address::ipv4(std::array<std::uint8_t, 4>{192, 0, 2, 8}));
}

TEST(PeerAddress, PrefixMasksIPv6AndLeavesIPv4Whole) {
    std::array<std::uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const auto a = peer_address::ipv6(v6);
    EXPECT_FALSE(a.is_ipv4());
    EXPECT_EQ(a.ipv6_prefix(128), a);
    const std::array<std::uint8_t, 16> net64{0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4};
    EXPECT_EQ(a.ipv6_prefix(64), peer_address::ipv6(net64));
    const std::array<std::uint8_t, 16> net60{0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 0};
    EXPECT_EQ(a.ipv6_prefix(60), peer_address::ipv6(net60)) << "a prefix inside a byte";
    const std::array<std::uint8_t, 16> net1{0};
    EXPECT_EQ(a.ipv6_prefix(1), peer_address::ipv6(net1));
    const auto v4 = peer_address::ipv4(std::array<std::uint8_t, 4>{10, 1, 2, 3});
    EXPECT_EQ(v4.ipv6_prefix(64), v4) << "a v4-mapped peer is one IPv4 host";
}

}  // namespace
