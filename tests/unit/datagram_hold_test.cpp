// The loop's held datagrams: taken in send-time order (ties in arrival order), every
// part kept byte for byte, and both caps refusing without holding.
#include "core/datagram_hold.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

using echo::core::datagram_hold;
using echo::core::held_datagram;

namespace {

std::span<const std::byte> bytes(std::string_view s) {
    return std::as_bytes(std::span{s.data(), s.size()});
}

std::string text(std::span<const std::byte> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

TEST(DatagramHold, TakesDueInSendTimeThenArrivalOrder) {
    datagram_hold hold;
    ASSERT_TRUE(hold.hold(0, 30, false, bytes("p"), {}, bytes("c")));
    ASSERT_TRUE(hold.hold(1, 10, false, bytes("p"), {}, bytes("a")));
    ASSERT_TRUE(hold.hold(0, 20, false, bytes("p"), {}, bytes("b1")));
    ASSERT_TRUE(hold.hold(0, 20, true, bytes("p"), {}, bytes("b2")));
    EXPECT_EQ(hold.next_deadline(), 10);
    std::vector<held_datagram> out;
    hold.take_due(5, 10, out);
    EXPECT_TRUE(out.empty());
    hold.take_due(20, 10, out);
    ASSERT_EQ(out.size(), 3U);
    EXPECT_EQ(text(out[0].data()), "a");
    EXPECT_EQ(out[0].socket(), 1U);
    EXPECT_EQ(text(out[1].data()), "b1");
    EXPECT_EQ(text(out[2].data()), "b2");
    EXPECT_TRUE(out[2].twice());
    EXPECT_EQ(hold.count(), 1U);
    EXPECT_EQ(hold.next_deadline(), 30);
    hold.take_due(100, 10, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(hold.count(), 0U);
    EXPECT_EQ(hold.bytes(), 0U);
    EXPECT_FALSE(hold.next_deadline());
}

TEST(DatagramHold, KeepsEveryPartApart) {
    datagram_hold hold;
    ASSERT_TRUE(hold.hold(3, 1, false, bytes("peer-address"), bytes("ctl8byte"), bytes("payload")));
    std::vector<held_datagram> out;
    hold.take_due(1, 1, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(text(out[0].peer()), "peer-address");
    EXPECT_EQ(text(out[0].control()), "ctl8byte");
    EXPECT_EQ(text(out[0].data()), "payload");
    EXPECT_EQ(out[0].send_at(), 1);
}

TEST(DatagramHold, TakesAtMostMax) {
    datagram_hold hold;
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(hold.hold(0, i, false, bytes("p"), {}, bytes("x")));
    }
    std::vector<held_datagram> out;
    hold.take_due(10, 2, out);
    EXPECT_EQ(out.size(), 2U);
    EXPECT_EQ(out[1].send_at(), 1);
    EXPECT_EQ(hold.count(), 3U);
}

TEST(DatagramHold, CountCapRefusesWithoutHolding) {
    datagram_hold hold;
    for (std::size_t i = 0; i < datagram_hold::kMaxCount; ++i) {
        ASSERT_TRUE(hold.hold(0, 1, false, bytes("p"), {}, {}));
    }
    EXPECT_FALSE(hold.hold(0, 1, false, bytes("p"), {}, {}));
    EXPECT_EQ(hold.count(), datagram_hold::kMaxCount);
    hold.clear();
    EXPECT_EQ(hold.count(), 0U);
    EXPECT_EQ(hold.bytes(), 0U);
}

TEST(DatagramHold, ByteCapRefusesWithoutHolding) {
    datagram_hold hold;
    const std::vector<std::byte> big(65507);
    std::size_t held = 0;
    while (hold.hold(0, 1, false, bytes("p"), {}, big)) {
        ++held;
    }
    EXPECT_LE(hold.bytes(), datagram_hold::kMaxBytes);
    EXPECT_GT(hold.bytes() + big.size() + sizeof(held_datagram), datagram_hold::kMaxBytes);
    EXPECT_EQ(hold.count(), held);
    EXPECT_TRUE(hold.hold(0, 1, false, bytes("p"), {}, {}));  // a small one still fits
}

TEST(DatagramHold, RandomTimesLeaveInOrderAndNoneDueStays) {
    datagram_hold hold;
    std::uint64_t x = 88172645463325252ULL;  // xorshift64: any fixed sequence will do
    std::int64_t now = 0, last = -1;
    std::size_t taken = 0;
    std::vector<held_datagram> out;
    for (int round = 0; round < 2000; ++round) {
        for (int i = 0; i < 5; ++i) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ASSERT_TRUE(hold.hold(0, now + 50 + static_cast<std::int64_t>(x % 20), false,
                                  bytes("p"), {}, bytes("x")));
        }
        now += 1;
        hold.take_due(now, 64, out);
        for (const auto& h : out) {
            EXPECT_GE(h.send_at(), last);
            EXPECT_LE(h.send_at(), now);
            last = h.send_at();
        }
        taken += out.size();
        if (const auto next = hold.next_deadline()) {
            ASSERT_GT(*next, now) << "something due was left behind";
        }
    }
    EXPECT_EQ(taken + hold.count(), 10'000U);
}
