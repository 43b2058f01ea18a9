// Admission limits and the token bucket behind the accept rate, over a fake clock.
#include "core/admission.hpp"
#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

namespace {

using echo::core::admission;
using echo::core::connection_limits;
using echo::core::refusal;
using echo::core::token_bucket;

constexpr std::int64_t kSecond = 1'000'000'000;

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
        EXPECT_FALSE(a.admit(std::uint64_t{1}, 0));
    }
    EXPECT_EQ(a.open(), 1000U);
}

TEST(Admission, GlobalLimitFreesOnRelease) {
    connection_limits l;
    l.max_connections = 2;
    admission a{l};
    EXPECT_FALSE(a.admit(1, 0));
    EXPECT_FALSE(a.admit(std::nullopt, 0)) << "Unix peers count too";
    EXPECT_EQ(a.admit(3, 0), refusal::max_connections);
    a.release(1);
    EXPECT_FALSE(a.admit(3, 0));
    EXPECT_EQ(a.open(), 2U);
}

TEST(Admission, PerAddressLimitIsPerAddressAndForgetsIdleOnes) {
    connection_limits l;
    l.max_connections_per_ip = 2;
    admission a{l};
    EXPECT_FALSE(a.admit(7, 0));
    EXPECT_FALSE(a.admit(7, 0));
    EXPECT_EQ(a.admit(7, 0), refusal::max_connections_per_ip);
    EXPECT_FALSE(a.admit(8, 0)) << "another address is unaffected";
    EXPECT_FALSE(a.admit(std::nullopt, 0)) << "Unix peers have no address";
    a.release(7);
    a.release(7);
    a.release(8);
    EXPECT_EQ(a.addresses(), 0U) << "memory is bounded by open connections";
    EXPECT_FALSE(a.admit(7, 0));
}

TEST(Admission, RateIsCheckedFirstAndChargedForEveryAttempt) {
    connection_limits l;
    l.max_accept_rate = 2;
    l.max_connections = 1;
    admission a{l};
    EXPECT_FALSE(a.admit(1, kSecond));
    EXPECT_EQ(a.admit(1, kSecond), refusal::max_connections);
    EXPECT_EQ(a.admit(1, kSecond), refusal::accept_rate) << "the refused one still spent a token";
    EXPECT_EQ(a.open(), 1U);
}

}  // namespace
