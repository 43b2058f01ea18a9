// The timeout list: touch moves to the back, expiry pops in deadline order, removal
// from anywhere keeps the links right.
#include "core/deadline_list.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using echo::core::deadline_list;

std::vector<std::uint32_t> drain(deadline_list& l, std::int64_t now) {
    std::vector<std::uint32_t> out;
    while (auto i = l.pop_expired(now)) {
        out.push_back(*i);
    }
    return out;
}

TEST(DeadlineList, ExpiresInTouchOrderUpToNow) {
    deadline_list l;
    l.touch(5, 10);
    l.touch(2, 20);
    l.touch(9, 30);
    EXPECT_EQ(l.next_deadline(), 10);
    EXPECT_EQ(drain(l, 20), (std::vector<std::uint32_t>{5, 2}));
    EXPECT_EQ(l.size(), 1U);
    EXPECT_EQ(drain(l, 29), std::vector<std::uint32_t>{});
    EXPECT_EQ(drain(l, 30), std::vector<std::uint32_t>{9});
    EXPECT_FALSE(l.next_deadline());
}

TEST(DeadlineList, TouchPostponesAndMovesToTheBack) {
    deadline_list l;
    l.touch(1, 10);
    l.touch(2, 11);
    l.touch(1, 12);
    EXPECT_EQ(l.size(), 2U);
    EXPECT_EQ(drain(l, 11), std::vector<std::uint32_t>{2});
    EXPECT_EQ(drain(l, 12), std::vector<std::uint32_t>{1});
}

TEST(DeadlineList, RemoveFromHeadMiddleTailAndTwice) {
    deadline_list l;
    for (std::uint32_t i = 0; i < 5; ++i) {
        l.touch(i, i);
    }
    l.remove(0);
    l.remove(2);
    l.remove(4);
    l.remove(2);
    l.remove(1000) /* never touched */;
    EXPECT_EQ(l.size(), 2U);
    EXPECT_EQ(drain(l, 100), (std::vector<std::uint32_t>{1, 3}));
    l.touch(2, 200);
    EXPECT_EQ(drain(l, 200), std::vector<std::uint32_t>{2}) << "a removed slot can come back";
}

TEST(DeadlineList, ManySlotsAcrossPages) {
    deadline_list l;
    for (std::uint32_t i = 0; i < 10'000; ++i) {
        l.touch(i, i);
    }
    for (std::uint32_t i = 0; i < 10'000; i += 2) {
        l.remove(i);
    }
    const auto left = drain(l, 20'000);
    ASSERT_EQ(left.size(), 5'000U);
    EXPECT_EQ(left.front(), 1U);
    EXPECT_EQ(left.back(), 9'999U);
}

}  // namespace
