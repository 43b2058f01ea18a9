// latency_histogram: within 1 % of the truth from 1 µs to 60 s, exact counts, and
// percentiles that pick the right sample.
#include "core/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>

using echo::core::latency_histogram;

TEST(LatencyHistogram, EveryValueFromOneMicrosecondToSixtySecondsIsWithinOnePercent) {
    for (double v = 1000; v <= 60e9; v *= 1.0137) {
        latency_histogram h;
        const auto ns = static_cast<std::uint64_t>(v);
        h.record(ns);
        h.record(ns + 1);  // a second sample so min/max clamping does not hide the error
        const auto reported = static_cast<double>(h.percentile(50));
        ASSERT_LE(std::abs(reported - v) / v, 0.01) << "value " << ns;
    }
}

TEST(LatencyHistogram, BucketsTileTheRangeWithoutGaps) {
    for (std::size_t b = 0; b + 1 < 3000; ++b) {
        ASSERT_EQ(latency_histogram::bucket_high(b), latency_histogram::bucket_low(b + 1));
        ASSERT_EQ(latency_histogram::bucket_of(latency_histogram::bucket_low(b)), b);
        ASSERT_EQ(latency_histogram::bucket_of(latency_histogram::bucket_high(b) - 1), b);
    }
}

TEST(LatencyHistogram, PercentilesCountMinMaxMean) {
    latency_histogram h;
    for (std::uint64_t i = 1; i <= 1000; ++i) {
        h.record(i * 1000);  // 1 µs .. 1 ms
    }
    EXPECT_EQ(h.count(), 1000U);
    EXPECT_EQ(h.min(), 1000U);
    EXPECT_EQ(h.max(), 1'000'000U);
    EXPECT_NEAR(h.mean(), 500'500.0, 1.0);
    EXPECT_NEAR(static_cast<double>(h.percentile(50)), 500'000, 5000);
    EXPECT_NEAR(static_cast<double>(h.percentile(99)), 990'000, 9900);
    EXPECT_NEAR(static_cast<double>(h.percentile(99.9)), 999'000, 9990);
    EXPECT_EQ(h.percentile(100), 1'000'000U);
}

TEST(LatencyHistogram, OneSlowSampleInAThousandShowsAtP999) {
    latency_histogram h;
    for (int i = 0; i < 999; ++i) {
        h.record(50'000);
    }
    h.record(50'000'000);
    EXPECT_LT(h.percentile(99.9), 51'000U);
    EXPECT_GT(h.percentile(99.95), 49'000'000U);
}

TEST(LatencyHistogram, MergeAddsAndResetEmpties) {
    latency_histogram a, b;
    a.record(10'000);
    b.record(20'000);
    b.record(30'000);
    a.merge(b);
    EXPECT_EQ(a.count(), 3U);
    EXPECT_EQ(a.min(), 10'000U);
    EXPECT_EQ(a.max(), 30'000U);
    a.reset();
    EXPECT_EQ(a.count(), 0U);
    EXPECT_EQ(a.percentile(99), 0U);
}
