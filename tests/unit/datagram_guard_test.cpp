// datagram_guard: never answer port 0 or the reflecting small services, honour the
// extra deny list, and hold each source to its rate after its burst.
#include "core/datagram_guard.hpp"

#include <gtest/gtest.h>

using echo::core::datagram_guard;
using echo::core::datagram_verdict;

TEST(DatagramGuard, RefusesPortZeroAndTheSmallServices) {
    datagram_guard g{{{5353}, 0, 0}};
    EXPECT_EQ(g.judge(0, 1, 0), datagram_verdict::source_port_zero);
    for (std::uint16_t port : {7, 13, 17, 19, 37, 5353}) {
        EXPECT_EQ(g.judge(port, 1, 0), datagram_verdict::denied_port) << port;
    }
    for (std::uint16_t port : {1, 8, 53, 65535}) {
        EXPECT_EQ(g.judge(port, 1, 0), datagram_verdict::echo) << port;
    }
}

TEST(DatagramGuard, TokenBucketPerSource) {
    datagram_guard g{{{}, 10, 3}};  // 10/s, bursts of 3
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(g.judge(4000, 1, 1), datagram_verdict::echo);
    }
    EXPECT_EQ(g.judge(4000, 1, 1), datagram_verdict::rate_limited);
    EXPECT_EQ(g.judge(4000, 2, 1), datagram_verdict::echo) << "another source has its own bucket";
    EXPECT_EQ(g.judge(4000, 1, 1 + 100'000'000), datagram_verdict::echo) << "0.1 s = 1 token";
    EXPECT_EQ(g.judge(4000, 1, 1 + 100'000'000), datagram_verdict::rate_limited);
}

TEST(DatagramGuard, UnlimitedByDefault) {
    datagram_guard g{{}};
    for (int i = 0; i < 100000; ++i) {
        ASSERT_EQ(g.judge(4000, 1, 0), datagram_verdict::echo);
    }
}
