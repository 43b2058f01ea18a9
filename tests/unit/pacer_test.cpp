// pacer: the open-loop schedule issues exactly rate × time messages.
#include "core/pacer.hpp"

#include <gtest/gtest.h>

using echo::core::pacer;

TEST(Pacer, DueCountFollowsTheRate) {
    const pacer p{5000};  // one every 200 µs
    EXPECT_EQ(p.due_by(-1), 0U);
    EXPECT_EQ(p.due_by(0), 1U);
    EXPECT_EQ(p.due_by(199'999), 1U);
    EXPECT_EQ(p.due_by(200'000), 2U);
    EXPECT_EQ(p.due_by(1'000'000'000 - 1), 5000U);
    EXPECT_EQ(p.due_at(5000), 1'000'000'000);
}
