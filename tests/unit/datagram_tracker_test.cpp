// datagram_tracker: replies in any order settle their datagrams once; what is not
// back by the deadline is lost; late and duplicate replies are counted, not taken.
#include "core/datagram_tracker.hpp"

#include <gtest/gtest.h>

using echo::core::datagram_tracker;

TEST(DatagramTracker, AnswersInAnyOrderOnce) {
    datagram_tracker t;
    for (std::uint64_t s = 0; s < 100; ++s) {
        t.sent(s, 64, static_cast<std::int64_t>(s));
    }
    EXPECT_EQ(t.in_flight(), 100U);
    for (std::uint64_t s = 99; s + 1 > 0; --s) {
        const auto a = t.answered(s);
        ASSERT_TRUE(a);
        EXPECT_EQ(a->sent_ns, static_cast<std::int64_t>(s));
    }
    EXPECT_EQ(t.in_flight(), 0U);
    EXPECT_EQ(t.reordered(), 99U);
    EXPECT_FALSE(t.answered(5)) << "a second reply";
    EXPECT_EQ(t.late(), 1U);
}

TEST(DatagramTracker, ExpiresWhatIsOverdueAndCountsLateReplies) {
    datagram_tracker t;
    t.sent(0, 64, 100);
    t.sent(1, 64, 200);
    t.sent(2, 64, 300);
    EXPECT_TRUE(t.answered(1));
    EXPECT_EQ(t.expire(250), 1U) << "only 0 is overdue; 1 was answered";
    EXPECT_EQ(t.in_flight(), 1U);
    EXPECT_FALSE(t.answered(0));
    EXPECT_EQ(t.late(), 1U);
    EXPECT_TRUE(t.answered(2));
    EXPECT_FALSE(t.answered(7)) << "never sent";
}
