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
    EXPECT_EQ(s.delayed(), 0u) << "counted as they leave, not as they enter";
    s.left(40, 210 * kMs);
    EXPECT_EQ(s.delayed(), 40u);
    s.left(60, 210 * kMs);
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

namespace {

// Delay, rate, slices and a cut, without jitter: the split-point tests' faults.
stream_faults every_shape() {
    stream_faults f;
    f.delay = 30ms;
    f.rate = 20'000;
    f.slice_average = 40;
    f.slice_variation = 10;
    f.slice_gap = 1ms;
    f.close_after = 250;
    return f;
}

}  // namespace

// Without jitter, where the bytes were cut on arrival changes nothing that leaves.
TEST(StreamShaper, SameScheduleAtEverySplitPoint) {
    const auto f = every_shape();
    constexpr std::size_t kTotal = 300;
    const auto whole = schedule(f, {kTotal});
    ASSERT_EQ(total(whole), 250u);
    EXPECT_GE(whole.front().at, 30 * kMs);
    for (std::size_t cut = 0; cut <= kTotal; ++cut) {
        EXPECT_EQ(schedule(f, {cut, kTotal - cut}), whole) << "cut at " << cut;
    }
    EXPECT_EQ(schedule(f, std::vector<std::size_t>(kTotal, 1)), whole) << "byte by byte";
}

namespace {

// rate_total: connections sharing one listener's bucket get the rate between them
// (how they split it is first come, first served), also when every send of a turn
// starts before any completes, as a loop's sends do; at most `per_send` bytes a
// send, a socket's worth.
std::uint64_t sent_under_total_rate(std::size_t connections, std::size_t per_send) {
    stream_faults f;
    f.rate_total = 100'000;
    echo::core::shared_rate total{f.rate_total};
    std::vector<stream_shaper> shapers;
    for (std::size_t i = 0; i < connections; ++i) {
        shapers.emplace_back(f, true, i, 0, &total);
        shapers.back().enter(200'000, 0);
    }
    std::vector<std::size_t> sending(connections);
    std::uint64_t sent = 0;
    time_ns now = 0;
    for (int turn = 0; turn < 100'000 && now < 2'000 * kMs; ++turn) {
        for (std::size_t i = 0; i < connections; ++i) {
            sending[i] = shapers[i].start(std::min(shapers[i].ready(now), per_send), now);
        }
        time_ns wake = INT64_MAX;
        for (std::size_t i = 0; i < connections; ++i) {
            shapers[i].left(sending[i], now);
            sent += sending[i];
            wake = std::min(wake, shapers[i].wake_at().value_or(INT64_MAX));
        }
        EXPECT_GT(wake, now);
        now = wake;
    }
    return sent;
}

}  // namespace

TEST(StreamShaper, ConnectionsShareTheListenersTotalRate) {
    // Two seconds at 100 kB/s, plus the window saved up at the start (250 ms).
    constexpr double kWant = 2.25 * 100'000;
    EXPECT_NEAR(static_cast<double>(sent_under_total_rate(2, SIZE_MAX)), kWant, kWant * 0.03);
    EXPECT_NEAR(static_cast<double>(sent_under_total_rate(500, 1024)), kWant, kWant * 0.03)
        << "sends started in one turn took the same room";
}

// What a started send did not carry goes back to the listener's bucket.
TEST(StreamShaper, AShortSendGivesTheRestOfItsStartBack) {
    stream_faults f;
    f.rate_total = 100'000;  // 25 kB saved up at the start
    echo::core::shared_rate total{f.rate_total};
    stream_shaper a{f, true, 1, 0, &total};
    stream_shaper b{f, true, 2, 0, &total};
    a.enter(100'000, 0);
    b.enter(100'000, 0);
    EXPECT_EQ(a.start(20'000, 0), 20'000u);
    EXPECT_EQ(b.ready(0), 5'000u);
    a.left(8'000, 0);
    EXPECT_EQ(b.ready(0), 17'000u);
    // A send that never started takes what left, at once.
    b.left(17'000, 0);
    EXPECT_EQ(a.ready(0), 0u);
}

// adopt(): a change reaching an open connection, at every point of its schedule.
namespace {

// Each byte's arrival and departure time, in byte order, and when the change came.
struct byte_times {
    std::vector<time_ns> arrived;
    std::vector<time_ns> left;
    time_ns changed_at = -1;
    std::size_t left_before_change = 0;
};

// The change comes at `at`, or once `after_bytes` have left, whichever is first.
struct change_point {
    time_ns at = INT64_MAX;
    std::size_t after_bytes = SIZE_MAX;
};

// Drives `s` on a fake clock: `pieces` (time, bytes) arrive, `change` is adopted at
// `when` (before what arrives then), and at most `per_send` bytes leave per step,
// as a socket that takes only so much at a time.
byte_times run_with_change(stream_shaper& s,
                           const std::vector<std::pair<time_ns, std::size_t>>& pieces,
                           change_point when, const stream_faults& change,
                           std::size_t per_send = SIZE_MAX) {
    byte_times t;
    std::size_t next = 0;
    for (time_ns now = 0; now <= 3'600'000 * kMs;) {
        if (t.changed_at < 0 && (now >= when.at || t.left.size() >= when.after_bytes)) {
            s.adopt(change, now, nullptr);
            t.changed_at = now;
            t.left_before_change = t.left.size();
        }
        for (; next < pieces.size() && pieces[next].first <= now; ++next) {
            s.enter(pieces[next].second, now);
            t.arrived.insert(t.arrived.end(), pieces[next].second, now);
        }
        if (const auto n = std::min(s.ready(now), per_send); n > 0) {
            s.left(n, now);
            t.left.insert(t.left.end(), n, now);
            continue;
        }
        time_ns wake = s.wake_at().value_or(INT64_MAX);
        if (next < pieces.size()) {
            wake = std::min(wake, pieces[next].first);
        }
        if (t.changed_at < 0) {
            wake = std::min(wake, when.at);
        }
        if (wake == INT64_MAX) {
            break;
        }
        EXPECT_GT(wake, now) << "a wake-up that lets nothing out would spin";
        now = wake;
    }
    return t;
}

// Ten pieces of ten bytes, 10 ms apart.
std::vector<std::pair<time_ns, std::size_t>> ten_pieces() {
    std::vector<std::pair<time_ns, std::size_t>> p;
    for (int i = 0; i < 10; ++i) {
        p.emplace_back(i * 10 * kMs, 10);
    }
    return p;
}

// ten_pieces() through `f`, changed to `g` at `change`: no byte overtakes another.
byte_times ten_pieces_changed(const stream_faults& f, const stream_faults& g, time_ns change) {
    stream_shaper s{f, true, 7, 0};
    auto t = run_with_change(s, ten_pieces(), {.at = change}, g);
    EXPECT_TRUE(std::is_sorted(t.left.begin(), t.left.end())) << "change at " << change;
    return t;
}

}  // namespace

// Held bytes are re-timed from their arrival with the new delay: a byte that left
// before the change left after the old delay, every other after the new one (or at
// the change, when that is already past), and none overtakes another.
TEST(StreamShaperAdopt, ADelayChangeRetimesHeldBytesInOrderAtEveryPoint) {
    using delays = std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds>;
    for (const auto& [before, after] :
         {delays{300ms, 20ms}, delays{20ms, 300ms}, delays{300ms, 0ms}}) {
        stream_faults f;
        f.delay = before;
        stream_faults g;
        g.delay = after;
        for (time_ns change = 0; change <= 420 * kMs; change += 5 * kMs) {
            const auto t = ten_pieces_changed(f, g, change);
            ASSERT_EQ(t.left.size(), 100u);
            for (std::size_t i = 0; i < 100; ++i) {
                const auto old_release = t.arrived[i] + before.count();
                const auto expected = old_release < change
                                          ? old_release
                                          : std::max(change, t.arrived[i] + after.count());
                ASSERT_EQ(t.left[i], expected) << "byte " << i << ", change at " << change / kMs
                                               << " ms, " << before.count() / kMs << " -> "
                                               << after.count() / kMs << " ms";
            }
        }
    }
}

// With jitter on both sides of the change, the order rule still holds and no byte
// leaves before its arrival plus the smaller delay.
TEST(StreamShaperAdopt, JitterBeforeAndAfterAChangeNeverReorders) {
    stream_faults f;
    f.delay = 200ms;
    f.jitter = 150ms;
    stream_faults g;
    g.delay = 10ms;
    g.jitter = 40ms;
    g.jitter_dist = echo::core::jitter_distribution::pareto;
    for (time_ns change = 0; change <= 400 * kMs; change += 7 * kMs) {
        const auto t = ten_pieces_changed(f, g, change);
        ASSERT_EQ(t.left.size(), 100u);
        for (std::size_t i = 0; i < 100; ++i) {
            ASSERT_GE(t.left[i], t.arrived[i] + 10 * kMs) << "byte " << i;
        }
    }
}

// Mid-bucket: the bucket keeps what it saved (up to the new burst) and refills at
// the new rate from the change on.
TEST(StreamShaperAdopt, ARateChangeMidBucketTakesTheNewRateFromThen) {
    stream_faults slow;
    slow.rate = 1'000;
    stream_faults fast;
    fast.rate = 100'000;
    const std::vector<std::pair<time_ns, std::size_t>> all_at_once{{0, 20'000}};
    for (time_ns change = 0; change <= 2'000 * kMs; change += 50 * kMs) {
        stream_shaper up{slow, true, 1, 0};
        const auto t = run_with_change(up, all_at_once, {.at = change}, fast);
        ASSERT_EQ(t.left.size(), 20'000u);
        const auto before = static_cast<double>(
            std::lower_bound(t.left.begin(), t.left.end(), change) - t.left.begin());
        // 10 ms of the slow rate to start, then the rate itself.
        EXPECT_LE(before, 10 + static_cast<double>(change) / 1e6 + 1) << change;
        const double rest_s = (20'000 - before) / 100'000;
        // The slow bucket saved under its 250-byte burst: less than a quantum early.
        EXPECT_NEAR(static_cast<double>(t.left.back() - change) / 1e9, rest_s, 0.011) << change;
    }
    const std::vector<std::pair<time_ns, std::size_t>> more{{0, 200'000}};
    for (time_ns change = 0; change <= 500 * kMs; change += 25 * kMs) {
        stream_shaper down{fast, true, 1, 0};
        const auto t = run_with_change(down, more, {.at = change}, slow);
        const auto in_next_second =
            std::lower_bound(t.left.begin(), t.left.end(), change + 1'000 * kMs) -
            std::lower_bound(t.left.begin(), t.left.end(), change);
        // The old bucket cut to the new burst (250), plus one second at the new rate.
        EXPECT_LE(in_next_second, 250 + 1'000 + 1) << change;
        EXPECT_GE(in_next_second, 1'000 - 10) << change;
    }
}

// Mid-slice: the slice under way ends at the change, and the next, of the new
// size, opens one new gap later. A socket taking 30 bytes at a time cuts each
// slice into several sends, and the change comes after every tenth byte.
TEST(StreamShaperAdopt, ASliceChangeMidSliceEndsItThereAndTakesTheNewSize) {
    stream_faults f;
    f.slice_average = 100;
    f.slice_gap = 5ms;
    stream_faults g;
    g.slice_average = 40;
    g.slice_variation = 10;
    g.slice_gap = 3ms;
    const std::vector<std::pair<time_ns, std::size_t>> all_at_once{{0, 2'000}};
    for (std::size_t k = 0; k <= 1'000; k += 10) {
        stream_shaper s{f, true, 1, 0};
        const auto t = run_with_change(s, all_at_once, {.after_bytes = k}, g, 30);
        ASSERT_EQ(t.left.size(), 2'000u);
        // A read is the bytes leaving at one instant.
        std::vector<std::pair<time_ns, std::size_t>> reads;
        for (const auto at : t.left) {
            if (reads.empty() || reads.back().first != at) {
                reads.emplace_back(at, 0);
            }
            ++reads.back().second;
        }
        std::size_t until_change = 0;
        bool first_after = true;
        for (std::size_t i = 0; i < reads.size(); ++i) {
            const auto [at, n] = reads[i];
            if (at < t.changed_at) {
                EXPECT_EQ(n, 100u) << "before the change, k " << k;
            } else if (at == t.changed_at) {
                EXPECT_LE(n, 100u) << "the slice cut at the change, k " << k;
            } else {
                if (first_after && k > 0) {
                    EXPECT_GE(at, t.changed_at + 3 * kMs) << "a new gap after the cut, k " << k;
                }
                first_after = false;
                if (i + 1 < reads.size()) {
                    EXPECT_GE(n, 30u) << "k " << k;
                }
                EXPECT_LE(n, 50u) << "k " << k;
                continue;
            }
            until_change += n;
        }
        EXPECT_EQ(until_change, t.left_before_change) << "nothing more at the change, k " << k;
        EXPECT_FALSE(first_after) << "the new size was seen, k " << k;
    }
}

// No keys (DELETE): whatever was held leaves at the change, in order; the cut the
// connection began with still counts.
TEST(StreamShaperAdopt, NothingLeftToShapeLetsHeldBytesGoAtOnceButKeepsTheCut) {
    stream_faults f;
    f.delay = 10s;
    f.rate = 10;
    f.slice_average = 5;
    f.close_after = 90;
    for (time_ns change = 0; change <= 12'000 * kMs; change += 250 * kMs) {
        stream_shaper s{f, true, 1, 0};
        const auto t = run_with_change(s, ten_pieces(), {.at = change}, stream_faults{});
        ASSERT_EQ(t.left.size(), 90u) << "close_after stays";
        EXPECT_TRUE(std::is_sorted(t.left.begin(), t.left.end()));
        EXPECT_EQ(t.left.back(), std::max(change, 80 * kMs)) << "the 90th byte came at 80 ms";
        EXPECT_EQ(s.cut(t.left.back()), shaper_cut::close);
    }
}

// Without jitter, where the bytes were cut on arrival changes nothing that leaves,
// a change under way included.
TEST(StreamShaperAdopt, SameScheduleAtEverySplitPoint) {
    const auto f = every_shape();
    stream_faults g;
    g.delay = 10ms;
    g.rate = 50'000;
    g.slice_average = 20;
    g.slice_variation = 5;
    g.slice_gap = 2ms;
    constexpr std::size_t kTotal = 300;
    const auto run = [&](const std::vector<std::pair<time_ns, std::size_t>>& pieces) {
        stream_shaper s{f, true, 7, 0};
        return run_with_change(s, pieces, {.at = 33 * kMs}, g).left;
    };
    const auto whole = run({{0, kTotal}});
    ASSERT_EQ(whole.size(), 250u);
    EXPECT_LT(whole.front(), 33 * kMs) << "some bytes left before the change";
    EXPECT_GT(whole.back(), 33 * kMs) << "and some after it";
    for (std::size_t cut = 0; cut <= kTotal; ++cut) {
        EXPECT_EQ(run({{0, cut}, {0, kTotal - cut}}), whole) << "cut at " << cut;
    }
    EXPECT_EQ(run(std::vector<std::pair<time_ns, std::size_t>>(kTotal, {0, 1})), whole)
        << "byte by byte";
}
