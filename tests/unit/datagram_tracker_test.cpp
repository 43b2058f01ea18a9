// datagram_tracker: replies in any order settle their datagrams once; what is not
// back by the deadline is lost; late, duplicate, corrupted and overtaking replies
// are each counted apart.
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
    EXPECT_EQ(t.duplicated(), 1U);
    EXPECT_EQ(t.late(), 0U);
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

TEST(DatagramTracker, DuplicatesApartFromLateWithinTheHistory) {
    datagram_tracker t;
    for (std::uint64_t s = 0; s < 1000; ++s) {
        t.sent(s, 64, 0);
        ASSERT_TRUE(t.answered(s));
        EXPECT_FALSE(t.answered(s)) << "the copy right behind it";
    }
    EXPECT_EQ(t.duplicated(), 1000U);
    EXPECT_EQ(t.late(), 0U);
    EXPECT_FALSE(t.answered(1000 - datagram_tracker::kHistory)) << "the oldest remembered";
    EXPECT_EQ(t.duplicated(), 1001U);
    EXPECT_FALSE(t.answered(0)) << "older than the history";
    EXPECT_EQ(t.late(), 1U);
    EXPECT_EQ(t.in_flight(), 0U);
}

TEST(DatagramTracker, OvertakersCountOnceEach) {
    // netem's reorder: 0 and 2 held, 1 and 3 sent ahead; then 0 and 2 arrive.
    datagram_tracker t;
    for (std::uint64_t s = 0; s < 4; ++s) {
        t.sent(s, 64, 0);
    }
    ASSERT_TRUE(t.answered(1));
    ASSERT_TRUE(t.answered(3));
    EXPECT_EQ(t.reordered(), 0U);
    ASSERT_TRUE(t.answered(0));
    EXPECT_EQ(t.reordered(), 2U) << "1 and 3 came before 0";
    ASSERT_TRUE(t.answered(2));
    EXPECT_EQ(t.reordered(), 2U) << "3 already counted";
}

TEST(DatagramTracker, OvertakingALostDatagramIsNotReordering) {
    datagram_tracker t;
    t.sent(0, 64, 0);
    t.sent(1, 64, 10);
    ASSERT_TRUE(t.answered(1));
    EXPECT_EQ(t.expire(5), 1U);
    EXPECT_EQ(t.reordered(), 0U);
    EXPECT_FALSE(t.answered(0));
    EXPECT_EQ(t.late(), 1U);
    EXPECT_EQ(t.reordered(), 0U) << "a late reply overtakes nothing";
}

TEST(DatagramTracker, CorruptedSettlesWithoutAnAnswer) {
    datagram_tracker t;
    t.sent(0, 64, 0);
    t.sent(1, 100, 0);
    EXPECT_EQ(t.size_of(1), 100U);
    EXPECT_FALSE(t.size_of(2));
    EXPECT_TRUE(t.corrupted(1));
    EXPECT_EQ(t.in_flight(), 1U);
    EXPECT_EQ(t.expire(1), 1U) << "only 0 is lost: 1 came back, corrupted";
    EXPECT_FALSE(t.corrupted(1)) << "a corrupted copy of one settled already";
    EXPECT_EQ(t.corrupted(), 2U);
    EXPECT_EQ(t.size_of(1), 100U) << "still remembered";
    EXPECT_FALSE(t.answered(1));
    EXPECT_EQ(t.duplicated(), 1U);
}
