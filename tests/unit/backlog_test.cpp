// choose_backlog: the default follows somaxconn, and a larger request is flagged.
#include "core/backlog.hpp"

#include <gtest/gtest.h>

using echo::core::choose_backlog;

TEST(Backlog, DefaultsToSomaxconn) {
    const auto c = choose_backlog(std::nullopt, 4096);
    EXPECT_EQ(c.value, 4096);
    EXPECT_FALSE(c.capped);
}

TEST(Backlog, RequestBelowCapIsKept) {
    const auto c = choose_backlog(16, 4096);
    EXPECT_EQ(c.value, 16);
    EXPECT_FALSE(c.capped);
}

TEST(Backlog, RequestAboveCapIsFlagged) {
    const auto c = choose_backlog(100000, 4096);
    EXPECT_EQ(c.value, 100000);
    EXPECT_TRUE(c.capped);
}
