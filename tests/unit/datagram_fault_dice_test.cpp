// The fault dice: each fault at its probability (within a binomial 99.9 % interval),
// holds within [delay, delay + jitter], reorder's share sent at once, the rate's
// spacing and its bounded line, and the same seed giving the same fates.
#include "core/datagram_fault_dice.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace std::chrono_literals;
using echo::core::datagram_fate;
using echo::core::datagram_fault_dice;
using echo::core::datagram_faults;

namespace {

constexpr int kRolls = 20'000;
constexpr std::int64_t kNow = 1'000'000'000;

// |count - n p| within 3.29 standard deviations: the two-sided 99.9 % interval.
void expect_binomial(int count, int n, double p) {
    const double sd = std::sqrt(n * p * (1 - p));
    EXPECT_LE(std::abs(count - n * p), 3.29 * sd + 1) << count << " of " << n << " at p " << p;
}

}  // namespace

TEST(DatagramFaultDice, EachFaultAtItsProbability) {
    datagram_faults f;
    f.drop = 0.1;
    f.dup = 0.2;
    f.corrupt = 0.3;
    datagram_fault_dice dice{f, 7};
    int dropped = 0, twice = 0, corrupt = 0, kept = 0;
    for (int i = 0; i < kRolls; ++i) {
        const auto fate = dice.roll(100, kNow);
        if (fate.drop) {
            ++dropped;
            EXPECT_FALSE(fate.twice || fate.flip_bit);
            continue;
        }
        ++kept;
        twice += fate.twice;
        if (fate.flip_bit) {
            ++corrupt;
            EXPECT_LT(*fate.flip_bit, 800U);
        }
        EXPECT_LE(fate.send_at, kNow);  // no delay: at once
    }
    expect_binomial(dropped, kRolls, 0.1);
    expect_binomial(twice, kept, 0.2);
    expect_binomial(corrupt, kept, 0.3);
}

TEST(DatagramFaultDice, CorruptionReachesEveryBitOfASmallDatagram) {
    datagram_faults f;
    f.corrupt = 1;
    datagram_fault_dice dice{f, 1};
    std::vector<int> seen(16, 0);
    for (int i = 0; i < 2000; ++i) {
        const auto fate = dice.roll(2, kNow);
        ASSERT_TRUE(fate.flip_bit);
        ASSERT_LT(*fate.flip_bit, 16U);
        ++seen[*fate.flip_bit];
    }
    for (int count : seen) {
        EXPECT_GT(count, 0);
    }
    EXPECT_FALSE(dice.roll(0, kNow).flip_bit);  // an empty datagram has no bit to flip
}

TEST(DatagramFaultDice, HoldsWithinDelayPlusJitter) {
    datagram_faults f;
    f.delay = 20ms;
    f.jitter = 10ms;
    datagram_fault_dice dice{f, 3};
    std::int64_t low = INT64_MAX, high = 0;
    double sum = 0;
    for (int i = 0; i < kRolls; ++i) {
        const auto hold = dice.roll(64, kNow).send_at - kNow;
        low = std::min(low, hold);
        high = std::max(high, hold);
        sum += static_cast<double>(hold);
    }
    EXPECT_GE(low, 20'000'000);
    EXPECT_LE(high, 30'000'000);
    EXPECT_LT(low, 20'100'000);  // the spread reaches both ends
    EXPECT_GT(high, 29'900'000);
    EXPECT_NEAR(sum / kRolls, 25e6, 0.1e6);
}

TEST(DatagramFaultDice, ReorderSendsItsShareAtOnceAndHoldsTheRest) {
    datagram_faults f;
    f.reorder = 0.25;
    f.delay = 10ms;
    datagram_fault_dice dice{f, 5};
    int now = 0;
    for (int i = 0; i < kRolls; ++i) {
        const auto at = dice.roll(64, kNow).send_at;
        if (at == kNow) {
            ++now;
        } else {
            EXPECT_EQ(at, kNow + 10'000'000);
        }
    }
    expect_binomial(now, kRolls, 0.25);
}

TEST(DatagramFaultDice, RateSpacesDatagramsByTheirSize) {
    datagram_faults f;
    f.rate = 1000;  // bytes/s: 100 bytes take 100 ms
    f.dup = 1;
    datagram_fault_dice dice{f, 5};
    EXPECT_EQ(dice.roll(100, kNow).send_at, kNow);
    // Both copies of the first went on the line: 200 ms.
    EXPECT_EQ(dice.roll(100, kNow).send_at, kNow + 200'000'000);
    // After an idle line, at once again.
    EXPECT_EQ(dice.roll(100, kNow + 2'000'000'000).send_at, kNow + 2'000'000'000);
}

// netem's limit, as a time: a burst far over the rate fills the line up to
// kMaxLineWaitNs and the rest is dropped without taking time on it, so a datagram
// after the burst waits at most that long, not behind all of the burst.
TEST(DatagramFaultDice, ALineOverItsBoundDropsAndStaysShort) {
    datagram_faults f;
    f.rate = 1000;  // 100 bytes take 100 ms
    datagram_fault_dice dice{f, 5};
    constexpr auto kBound = datagram_fault_dice::kMaxLineWaitNs;
    int kept = 0, line_full = 0;
    for (int i = 0; i < 1000; ++i) {
        const auto fate = dice.roll(100, kNow);
        if (fate.drop) {
            line_full += fate.line_full;
            continue;
        }
        ++kept;
        EXPECT_LE(fate.send_at - kNow, kBound) << "datagram " << i;
    }
    EXPECT_EQ(kept, 11);  // waits of 0, 100 ms, ..., 1 s
    EXPECT_EQ(line_full, 1000 - 11);
    // Half a second on, an honest datagram waits for the eleven only.
    const auto later = kNow + kBound / 2;
    const auto honest = dice.roll(10, later);
    ASSERT_FALSE(honest.drop);
    EXPECT_EQ(honest.send_at, kNow + 1'100'000'000);
}

// The bound is on the wait behind the line, on top of the datagram's own delay.
TEST(DatagramFaultDice, ALongDelayDoesNotCountAsWaitBehindTheLine) {
    datagram_faults f;
    f.rate = 1000;
    f.delay = 5s;
    datagram_fault_dice dice{f, 5};
    int kept = 0;
    for (int i = 0; i < 100; ++i) {
        const auto fate = dice.roll(100, kNow);
        if (!fate.drop) {
            ++kept;
            EXPECT_GE(fate.send_at, kNow + 5'000'000'000);
        }
    }
    EXPECT_EQ(kept, 11);
}

// A datagram the hold had no room for gives its time on the line back.
TEST(DatagramFaultDice, ARefundedDatagramDelaysNoLaterOne) {
    datagram_faults f;
    f.rate = 1000;
    datagram_fault_dice dice{f, 5};
    EXPECT_EQ(dice.roll(100, kNow).send_at, kNow);
    EXPECT_EQ(dice.roll(100, kNow).send_at, kNow + 100'000'000);
    dice.refund_last();
    EXPECT_EQ(dice.roll(100, kNow).send_at, kNow + 100'000'000);
    EXPECT_EQ(dice.roll(100, kNow).send_at, kNow + 200'000'000);
    // A drop charges nothing, so refunding after it changes nothing either.
    for (int i = 0; i < 20; ++i) {
        (void)dice.roll(100, kNow);
    }
    dice.refund_last();
    EXPECT_EQ(dice.roll(1, kNow + 1'000'000'000).send_at, kNow + 1'100'000'000);
}

TEST(DatagramFaultDice, SameSeedSameFatesOtherSeedOthers) {
    datagram_faults f;
    f.drop = 0.5;
    f.corrupt = 0.5;
    f.jitter = 1ms;
    const auto run = [&f](std::uint64_t seed) {
        datagram_fault_dice dice{f, seed};
        std::vector<std::int64_t> out;
        for (int i = 0; i < 200; ++i) {
            const auto fate = dice.roll(32, kNow);
            out.push_back(fate.drop ? -1 : fate.send_at * 1000 + fate.flip_bit.value_or(999));
        }
        return out;
    };
    EXPECT_EQ(run(42), run(42));
    EXPECT_NE(run(42), run(43));
}

TEST(DatagramFaultDice, UniformIsInTheUnitInterval) {
    datagram_fault_dice dice{datagram_faults{}, 0};
    double sum = 0;
    for (int i = 0; i < kRolls; ++i) {
        const double u = dice.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        sum += u;
    }
    EXPECT_NEAR(sum / kRolls, 0.5, 0.01);
}
