// rate_limit: one event per interval passes, and the suppressed ones are counted.
#include "core/rate_limit.hpp"

#include <gtest/gtest.h>

using echo::core::rate_limit;
using namespace std::chrono_literals;

TEST(RateLimit, AdmitsOncePerIntervalAndCountsTheRest) {
    rate_limit limit{5s};
    const rate_limit::clock::time_point t0{};
    EXPECT_EQ(limit.admit(t0 + 100s), 0U);
    EXPECT_FALSE(limit.admit(t0 + 101s));
    EXPECT_FALSE(limit.admit(t0 + 104s));
    EXPECT_EQ(limit.admit(t0 + 105s), 2U);
    EXPECT_EQ(limit.admit(t0 + 111s), 0U);
}
