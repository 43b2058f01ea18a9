// datagram_guard: never answer port 0 or the reflecting small services, honour the
// extra deny list, and hold each exact source address to its rate after its burst,
// whatever other sources share its part of the table.
#include "core/datagram_guard.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace {

using echo::core::datagram_guard;
using echo::core::datagram_guard_options;
using echo::core::datagram_verdict;
using echo::core::hash_key;
using echo::core::peer_address;

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr hash_key kSeed{0x1234, 0x5678};

peer_address v4(std::uint32_t host_order) {
    return peer_address::ipv4(std::array<std::uint8_t, 4>{
        static_cast<std::uint8_t>(host_order >> 24), static_cast<std::uint8_t>(host_order >> 16),
        static_cast<std::uint8_t>(host_order >> 8), static_cast<std::uint8_t>(host_order)});
}

datagram_guard limited(double rate, double burst) {
    return datagram_guard{datagram_guard_options{{}, rate, burst, kSeed}};
}

// How many of `count` datagrams from `source` at `now` are answered.
int answered(datagram_guard& g, const peer_address& source, int count, std::int64_t now) {
    int n = 0;
    for (int i = 0; i < count; ++i) {
        n += g.judge(4000, source, now) == datagram_verdict::echo ? 1 : 0;
    }
    return n;
}

TEST(DatagramGuard, RefusesPortZeroAndTheSmallServices) {
    datagram_guard g{{{5353}, 0, 0, kSeed}};
    const auto a = v4(0x7f000001);
    EXPECT_EQ(g.judge(0, a, 0), datagram_verdict::source_port_zero);
    for (std::uint16_t port : {7, 13, 17, 19, 37, 5353}) {
        EXPECT_EQ(g.judge(port, a, 0), datagram_verdict::denied_port) << port;
    }
    for (std::uint16_t port : {1, 8, 53, 65535}) {
        EXPECT_EQ(g.judge(port, a, 0), datagram_verdict::echo) << port;
    }
}

TEST(DatagramGuard, TokenBucketPerSource) {
    auto g = limited(10, 3);
    const auto one = v4(0x0a000001);
    const auto two = v4(0x0a000002);
    EXPECT_EQ(answered(g, one, 4, 1), 3);
    EXPECT_EQ(g.judge(4000, two, 1), datagram_verdict::echo) << "another source has its own bucket";
    EXPECT_EQ(g.judge(4000, one, 1 + kSecond / 10), datagram_verdict::echo) << "0.1 s = 1 token";
    EXPECT_EQ(g.judge(4000, one, 1 + kSecond / 10), datagram_verdict::rate_limited);
}

TEST(DatagramGuard, UnlimitedByDefault) {
    datagram_guard g{{}};
    for (int i = 0; i < 100000; ++i) {
        ASSERT_EQ(g.judge(4000, v4(1), 0), datagram_verdict::echo);
    }
}

// 127.0.0.1 and 127.0.0.2 landed in one bucket when the index was the network-order
// address modulo 4096, and alternating took the bucket over full every time: 200 of
// 200 answered. Each must now get its burst, and no more.
TEST(DatagramGuard, AlternatingNeighboursGetTheirBurstEach) {
    auto g = limited(10, 10);
    int got[2] = {0, 0};
    for (int i = 0; i < 200; ++i) {
        got[i % 2] += answered(g, v4(0x7f000001 + static_cast<std::uint32_t>(i % 2)), 1, kSecond);
    }
    EXPECT_EQ(got[0], 10);
    EXPECT_EQ(got[1], 10);
}

TEST(DatagramGuard, IPv6SourcesAreTheirWholeAddress) {
    auto g = limited(1, 2);
    std::array<std::uint8_t, 16> bytes{0x20, 0x01, 0x0d, 0xb8};
    const auto a = peer_address::ipv6(bytes);
    bytes[15] = 1;  // same /64, same high and low 64-bit words XORed in the old mix's way
    const auto b = peer_address::ipv6(bytes);
    EXPECT_EQ(answered(g, a, 5, kSecond), 2);
    EXPECT_EQ(answered(g, b, 5, kSecond), 2) << "a neighbour is its own source";
    EXPECT_EQ(answered(g, a, 5, kSecond), 0) << "and did not refill a's bucket";
}

// The first `count` addresses from 10.0.0.0 up that `keep` accepts, found by search
// under the fixed seed.
template <typename Keep>
std::vector<peer_address> find_sources(std::size_t count, Keep keep) {
    std::vector<peer_address> found;
    for (std::uint32_t host = 0x0a000000; found.size() < count; ++host) {
        if (keep(v4(host))) {
            found.push_back(v4(host));
        }
    }
    return found;
}

// Sources whose probe windows start at the same entry: kProbes of them fill the
// window, the next one has none of its own.
std::vector<peer_address> colliding(const datagram_guard& g, std::size_t count) {
    const std::size_t target = g.home_of(v4(0x0a000000));
    return find_sources(count, [&](const peer_address& a) { return g.home_of(a) == target; });
}

TEST(DatagramGuard, ACollisionNeverRefillsABucket) {
    auto g = limited(1, 5);
    const auto sources = colliding(g, datagram_guard::kProbes + 1);
    const auto& late = sources[datagram_guard::kProbes];
    // One more for the same window that is also charged to late's overflow bucket.
    const auto later = find_sources(1, [&](const peer_address& a) {
        return g.home_of(a) == g.home_of(late) && g.overflow_of(a) == g.overflow_of(late) &&
               std::find(sources.begin(), sources.end(), a) == sources.end();
    })[0];
    ASSERT_EQ(g.home_of(sources.front()), g.home_of(later));
    for (std::size_t i = 0; i < datagram_guard::kProbes; ++i) {
        EXPECT_EQ(answered(g, sources[i], 5, 0), 5) << "source " << i << " has its own entry";
    }
    // The window is held by sources still spending: newcomers charged to one overflow
    // bucket share one source's burst between them, and take over no one's entry.
    EXPECT_EQ(answered(g, late, 3, 0) + answered(g, later, 10, 0), 5);
    for (std::size_t i = 0; i < datagram_guard::kProbes; ++i) {
        EXPECT_EQ(answered(g, sources[i], 1, 0), 0) << "source " << i << " was not refilled";
    }
    // Once an owner's bucket is full again (5 s at 1/s), evicting it forgives
    // nothing, and a newcomer may take its entry and a burst of its own.
    EXPECT_EQ(answered(g, sources[0], 1, 4 * kSecond), 1) << "4 tokens back: not full";
    EXPECT_EQ(answered(g, late, 1, 4 * kSecond), 1) << "the overflow bucket refilled too";
    EXPECT_EQ(answered(g, late, 10, 4 * kSecond), 3) << "still only the overflow's tokens";
    EXPECT_EQ(answered(g, later, 10, 6 * kSecond), 5) << "an idle owner's entry, full burst";
}

// Sources beyond the table get, all together, at most the overflow buckets' rate
// and burst on top of what the table's entries allow; before, each got a burst.
TEST(DatagramGuard, SourcesBeyondTheTableShareTheOverflowBuckets) {
    constexpr double kRate = 10;
    constexpr double kBurst = 10;
    auto g = limited(kRate, kBurst);
    constexpr std::uint32_t kSources = 4 * datagram_guard::kEntries;
    constexpr int kSteps = 50;
    constexpr std::int64_t kStep = kSecond / 10;  // 5 s in all
    long long total = 0;
    for (int step = 0; step < kSteps; ++step) {
        for (std::uint32_t s = 0; s < kSources; ++s) {
            total += answered(g, v4(0x0a000000 + s), 2, step * kStep);
        }
    }
    const double seconds = static_cast<double>((kSteps - 1) * kStep) / kSecond;
    const double per_bucket = kBurst + kRate * seconds;
    constexpr auto kBuckets = datagram_guard::kEntries + datagram_guard::kOverflowBuckets;
    EXPECT_LE(total, static_cast<long long>(kBuckets * per_bucket));
    EXPECT_GT(total, static_cast<long long>(datagram_guard::kEntries * kBurst / 2))
        << "most of the table was in use";
}

// A crowd of spilled sources spending at twice the rate (from spoofable addresses)
// drained the one overflow bucket every newcomer with a held window was charged to:
// 0 of 8 answered at rate 1, burst 1, 1.1 s apart. Split by the keyed hash, a
// newcomer shares its bucket only with the crowd members that hash to it.
TEST(DatagramGuard, ASpilledCrowdDoesNotStarveEveryNewcomer) {
    constexpr std::size_t kCrowd = 32;
    constexpr std::size_t kNewcomers = 8;
    constexpr int kSends = 8;
    constexpr std::int64_t kTick = kSecond / 10;
    constexpr int kAttackTicks = 5;    // each attacker every 0.5 s: never a full bucket
    constexpr int kNewcomerTicks = 11;  // 1.1 s: each send finds a token refilled
    constexpr int kNewcomerTurn = 90;  // one newcomer at a time, so they never compete
    constexpr int kTicks = 20 + kNewcomerTurn * static_cast<int>(kNewcomers);
    auto g = limited(1, 1);
    // One window: kProbes holders take its entries, everyone after spills.
    const auto sources = colliding(g, datagram_guard::kProbes + kCrowd + kNewcomers);
    const auto crowd_begin = sources.begin() + datagram_guard::kProbes;
    const auto newcomers_begin = crowd_begin + kCrowd;
    std::vector<std::size_t> crowd_buckets;
    for (auto it = crowd_begin; it != newcomers_begin; ++it) {
        crowd_buckets.push_back(g.overflow_of(*it));
    }
    std::sort(crowd_buckets.begin(), crowd_buckets.end());
    crowd_buckets.erase(std::unique(crowd_buckets.begin(), crowd_buckets.end()),
                        crowd_buckets.end());

    int holders_got = 0;
    int crowd_got = 0;
    std::vector<int> got(kNewcomers, 0);
    for (int tick = 0; tick < kTicks; ++tick) {
        const std::int64_t now = tick * kTick;
        if (tick % kAttackTicks == 0) {
            for (auto it = sources.begin(); it != newcomers_begin; ++it) {
                const int n = answered(g, *it, 1, now);
                (it < crowd_begin ? holders_got : crowd_got) += n;
            }
        }
        const int turn = (tick - 20) / kNewcomerTurn;
        const int into = (tick - 20) % kNewcomerTurn;
        if (tick >= 20 && into % kNewcomerTicks == 0 && into / kNewcomerTicks < kSends) {
            got[static_cast<std::size_t>(turn)] += answered(g, *(newcomers_begin + turn), 1, now);
        }
    }

    const int seconds = kTicks / 10;
    // The holders kept their entries (their own rate each), and the crowd only ever
    // had the overflow buckets it hashes to: it was spilled, and drained them.
    EXPECT_GE(holders_got, static_cast<int>(datagram_guard::kProbes) * (seconds - 1));
    EXPECT_LE(crowd_got, static_cast<int>(crowd_buckets.size()) * (seconds + 1));
    EXPECT_GT(crowd_got, static_cast<int>(crowd_buckets.size()) * (seconds - 2));
    int total = 0;
    for (std::size_t i = 0; i < kNewcomers; ++i) {
        const auto& newcomer = *(newcomers_begin + static_cast<std::ptrdiff_t>(i));
        const bool shared = std::binary_search(crowd_buckets.begin(), crowd_buckets.end(),
                                               g.overflow_of(newcomer));
        SCOPED_TRACE(testing::Message() << "newcomer " << i << (shared ? " shares" : " alone"));
        if (shared) {
            EXPECT_LT(got[i], kSends) << "charged to a bucket the crowd drains";
        } else {
            EXPECT_EQ(got[i], kSends) << "its overflow bucket is its own";
        }
        total += got[i];
    }
    EXPECT_GE(total, 6 * static_cast<int>(kNewcomers)) << "most of their rate, in all";
}

}  // namespace
