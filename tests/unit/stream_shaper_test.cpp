// stream_shaper on a fake clock: a driver wakes it when it asks and lets out all it
// allows, and the schedule of bytes leaving shows each fault exactly; the same
// bytes entered in two pieces at every cut, or byte by byte, leave the same way.
#include "core/stream_shaper.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using echo::core::shaper_cut;
using echo::core::stream_faults;
using echo::core::stream_shaper;
using time_ns = std::int64_t;

namespace {

constexpr time_ns kMs = 1'000'000;

struct departure {
    time_ns at;
    std::size_t bytes;
    friend bool operator==(const departure&, const departure&) = default;
};

// Lets out everything allowed whenever the shaper asks to wake, until it holds
// nothing or asks for nothing (a cut), or `until` passes.
std::vector<departure> drain(stream_shaper& s, time_ns now, time_ns until = 3'600'000 * kMs) {
    std::vector<departure> out;
    while (now <= until) {
        if (const auto n = s.ready(now); n > 0) {
            s.left(n, now);
            out.push_back({now, n});
            continue;
        }
        const auto wake = s.wake_at();
        if (!wake) {
            break;
        }
        EXPECT_GT(*wake, now) << "a wake-up that lets nothing out would spin";
        now = *wake;
    }
    return out;
}

// The same `total` bytes arriving at t=0, fed as the given pieces.
std::vector<departure> schedule(const stream_faults& f, const std::vector<std::size_t>& pieces) {
    stream_shaper s{f, true, 7, 0};
    for (const auto n : pieces) {
        s.enter(n, 0);
    }
    return drain(s, 0);
}

std::size_t total(const std::vector<departure>& d) {
    return std::accumulate(d.begin(), d.end(), std::size_t{0},
                           [](std::size_t sum, const departure& x) { return sum + x.bytes; });
}

}  // namespace

TEST(StreamShaper, DelayHoldsBytesExactlyThatLong) {
    stream_faults f;
    f.delay = 200ms;
    stream_shaper s{f, true, 1, 0};
    s.enter(100, 10 * kMs);
    EXPECT_EQ(s.ready(210 * kMs - 1), 0u);
    EXPECT_EQ(s.wake_at(), 210 * kMs);
    EXPECT_EQ(s.ready(210 * kMs), 100u);
    s.left(100, 210 * kMs);
    EXPECT_EQ(s.held(), 0u);
    EXPECT_EQ(s.delayed(), 100u);
    EXPECT_FALSE(s.wake_at());
}

TEST(StreamShaper, JitterStaysInItsRangeKeepsOrderAndCentres) {
    stream_faults f;
    f.delay = 200ms;
    f.jitter = 50ms;
    for (const auto dist : {echo::core::jitter_distribution::uniform,
                            echo::core::jitter_distribution::normal,
                            echo::core::jitter_distribution::pareto}) {
        f.jitter_dist = dist;
        stream_shaper s{f, true, 99, 0};
        double sum = 0;
        constexpr int kMessages = 20000;
        time_ns previous = 0;
        for (int i = 0; i < kMessages; ++i) {
            // One message at a time, as a client waiting for each echo sends them.
            const time_ns arrival = previous + kMs;
            s.enter(1, arrival);
            const auto release = *s.wake_at();
            ASSERT_EQ(s.ready(release), 1u);
            s.left(1, release);
            const auto latency = release - arrival;
            ASSERT_GE(latency, 200 * kMs);
            ASSERT_LE(latency, dist == echo::core::jitter_distribution::pareto ? 700 * kMs
                                                                               : 250 * kMs);
            sum += static_cast<double>(latency);
            previous = release;
        }
        EXPECT_NEAR(sum / kMessages / kMs, 225.0, 225.0 * 0.02) << static_cast<int>(dist);
    }
}

TEST(StreamShaper, JitterNeverReordersBytesOfOneConnection) {
    stream_faults f;
    f.jitter = 100ms;
    stream_shaper s{f, true, 3, 0};
    for (int i = 0; i < 200; ++i) {
        s.enter(1, i * kMs / 10);  // far closer together than the jitter
    }
    const auto out = drain(s, 0);
    EXPECT_EQ(total(out), 200u);
    EXPECT_TRUE(std::is_sorted(out.begin(), out.end(),
                               [](const departure& a, const departure& b) { return a.at < b.at; }));
}

TEST(StreamShaper, RateHoldsTheBandwidthAndWakesAtMostAHundredTimesASecond) {
    stream_faults f;
    f.rate = 1 << 20;
    stream_shaper s{f, true, 1, 0};
    s.enter(10u << 20, 0);
    const auto out = drain(s, 0);
    EXPECT_EQ(total(out), 10u << 20);
    // 10 MiB at 1 MiB/s, less the first quantum the bucket starts with.
    EXPECT_NEAR(static_cast<double>(out.back().at) / 1e9, 10.0, 0.02);
    EXPECT_LE(out.size(), 1010u);
    // By any time, no more than the rate's share plus one burst has left.
    std::size_t sent = 0;
    for (const auto& d : out) {
        sent += d.bytes;
        EXPECT_LE(static_cast<double>(sent),
                  static_cast<double>(d.at) / 1e9 * (1 << 20) + (1 << 20) / 100.0 + 1);
    }
    // Woken late, the bucket kept what came meanwhile (up to 250 ms of the rate).
    stream_shaper late{f, true, 1, 0};
    late.enter(1 << 20, 0);
    (void)late.ready(0);
    late.left(late.ready(0), 0);
    EXPECT_EQ(late.ready(40'000'000), static_cast<std::size_t>(0.04 * (1 << 20)));
}

TEST(StreamShaper, SlicesAreAverageAroundVariationWithTheGapBetween) {
    stream_faults f;
    f.slice_average = 100;
    f.slice_variation = 20;
    f.slice_gap = 5ms;
    stream_shaper s{f, true, 5, 0};
    s.enter(100'000, 0);
    const auto out = drain(s, 0);
    EXPECT_EQ(total(out), 100'000u);
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        EXPECT_GE(out[i].bytes, 80u);
        EXPECT_LE(out[i].bytes, 120u);
        EXPECT_EQ(out[i + 1].at - out[i].at, 5 * kMs);
    }
    const auto [lo, hi] = std::minmax_element(
        out.begin(), out.end() - 1,
        [](const departure& a, const departure& b) { return a.bytes < b.bytes; });
    EXPECT_LT(lo->bytes, 85u);  // the whole range is used
    EXPECT_GT(hi->bytes, 115u);
}

TEST(StreamShaper, CloseAndResetCutAtExactlyTheCount) {
    for (const bool reset : {false, true}) {
        stream_faults f;
        (reset ? f.reset_after : f.close_after) = 10240;
        stream_shaper s{f, true, 1, 0};
        s.enter(4000, 0);
        EXPECT_EQ(s.ready(0), 4000u);
        s.left(4000, 0);
        s.enter(10000, kMs);
        EXPECT_EQ(s.ready(kMs), 6240u);
        EXPECT_EQ(s.cut(kMs), shaper_cut::none);
        s.left(6240, kMs);
        EXPECT_EQ(s.cut(kMs), reset ? shaper_cut::reset : shaper_cut::close);
        EXPECT_EQ(s.ready(2 * kMs), 0u);
        EXPECT_FALSE(s.wake_at());
    }
}

TEST(StreamShaper, ZeroCountCutsAtOnce) {
    stream_faults f;
    f.close_after = 0;
    stream_shaper s{f, true, 1, 0};
    EXPECT_EQ(s.cut(0), shaper_cut::close);
    s.enter(10, 0);
    EXPECT_EQ(s.ready(0), 0u);
}

TEST(StreamShaper, StallStopsThenClosesAfterStallFor) {
    stream_faults f;
    f.stall_after = 100;
    f.stall_for = 2s;
    f.close_after = 1000;  // later than the stall: never reached
    stream_shaper s{f, true, 1, 0};
    s.enter(500, 0);
    EXPECT_EQ(s.ready(0), 100u);
    s.left(100, 10 * kMs);
    EXPECT_EQ(s.cut(10 * kMs), shaper_cut::stall);
    EXPECT_EQ(s.ready(kMs * 1000), 0u);
    EXPECT_EQ(s.wake_at(), 2010 * kMs);
    EXPECT_EQ(s.cut(2010 * kMs - 1), shaper_cut::stall);
    EXPECT_EQ(s.cut(2010 * kMs), shaper_cut::close);
}

TEST(StreamShaper, ADirectionThatDoesNotCountCutsNeverCuts) {
    stream_faults f;
    f.close_after = 10;
    stream_shaper s{f, false, 1, 0};
    s.enter(100, 0);
    EXPECT_EQ(s.ready(0), 100u);
    s.left(100, 0);
    EXPECT_EQ(s.cut(0), shaper_cut::none);
}

TEST(StreamShaper, BatchesAreBoundedWhateverThePeerSends) {
    stream_faults f;
    f.delay = 10s;
    f.jitter = 1ms;
    stream_shaper s{f, true, 1, 0};
    std::size_t entered = 0;
    for (int i = 0; i < 1'000'000 && !s.full(); ++i) {
        s.enter(1, i * 10'000);  // 10 us apart: most draws land after the previous one
        ++entered;
    }
    EXPECT_TRUE(s.full());
    EXPECT_GE(entered, stream_shaper::kMaxBatches);
    // More bytes may still come in (merged into the last batch, never released earlier).
    const time_ns late = static_cast<time_ns>(entered) * 10'000 + 200 * kMs;
    s.enter(5, late);
    EXPECT_EQ(s.held(), entered + 5);
    const auto out = drain(s, 0);
    EXPECT_EQ(total(out), entered + 5);
    EXPECT_GE(out.back().at, late + 10'000 * kMs);
}

TEST(StreamShaper, SameSeedSameScheduleOtherSeedAnother) {
    stream_faults f;
    f.delay = 10ms;
    f.jitter = 50ms;
    f.slice_average = 50;
    f.slice_variation = 40;
    const auto run = [&f](std::uint64_t seed) {
        stream_shaper s{f, true, seed, 0};
        for (int i = 0; i < 100; ++i) {
            s.enter(37, i * kMs);
        }
        return drain(s, 0);
    };
    EXPECT_EQ(run(1), run(1));
    EXPECT_NE(run(1), run(2));
    EXPECT_NE(echo::core::connection_seed(1, 0), echo::core::connection_seed(1, 1));
    EXPECT_EQ(echo::core::connection_seed(9, 4), echo::core::connection_seed(9, 4));
}

// Without jitter, where the bytes were cut on arrival changes nothing that leaves.
TEST(StreamShaper, SameScheduleAtEverySplitPoint) {
    stream_faults f;
    f.delay = 30ms;
    f.rate = 20'000;
    f.slice_average = 40;
    f.slice_variation = 10;
    f.slice_gap = 1ms;
    f.close_after = 250;
    constexpr std::size_t kTotal = 300;
    const auto whole = schedule(f, {kTotal});
    ASSERT_EQ(total(whole), 250u);
    EXPECT_GE(whole.front().at, 30 * kMs);
    for (std::size_t cut = 0; cut <= kTotal; ++cut) {
        EXPECT_EQ(schedule(f, {cut, kTotal - cut}), whole) << "cut at " << cut;
    }
    EXPECT_EQ(schedule(f, std::vector<std::size_t>(kTotal, 1)), whole) << "byte by byte";
}

// rate_total: connections sharing one listener's bucket get the rate between them
// (how they split it is first come, first served).
TEST(StreamShaper, ConnectionsShareTheListenersTotalRate) {
    stream_faults f;
    f.rate_total = 100'000;
    echo::core::shared_rate total{f.rate_total};
    stream_shaper a{f, true, 1, 0, &total};
    stream_shaper b{f, true, 2, 0, &total};
    a.enter(200'000, 0);
    b.enter(200'000, 0);
    std::uint64_t sent = 0;
    time_ns now = 0;
    for (int turn = 0; turn < 100'000 && now < 2'000 * kMs; ++turn) {
        for (auto* s : {&a, &b}) {
            if (const auto n = s->ready(now); n > 0) {
                s->left(n, now);
                sent += n;
            }
        }
        const auto wake = std::min(a.wake_at().value_or(INT64_MAX), b.wake_at().value_or(INT64_MAX));
        ASSERT_GT(wake, now);
        now = wake;
    }
    // Two seconds at 100 kB/s, plus the window saved up at the start (250 ms).
    EXPECT_NEAR(static_cast<double>(sent), 2.25 * 100'000, 100'000 * 0.03);
}
