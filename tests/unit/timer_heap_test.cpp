// timer_heap: slots come out in deadline order whatever order they were set,
// moved or removed in, and a slot is in the heap at most once.
#include "core/timer_heap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

using echo::core::timer_heap;

TEST(TimerHeap, PopsInDeadlineOrderOnlyOnceDue) {
    timer_heap h;
    h.set(3, 30);
    h.set(1, 10);
    h.set(2, 20);
    EXPECT_EQ(h.next_deadline(), 10);
    EXPECT_FALSE(h.pop_expired(9));
    EXPECT_EQ(h.pop_expired(25), 1U);
    EXPECT_EQ(h.pop_expired(25), 2U);
    EXPECT_FALSE(h.pop_expired(25));
    EXPECT_EQ(h.size(), 1U);
}

TEST(TimerHeap, MovingASlotKeepsOneEntry) {
    timer_heap h;
    h.set(7, 100);
    h.set(7, 5);
    h.set(7, 50);
    EXPECT_EQ(h.size(), 1U);
    EXPECT_EQ(h.next_deadline(), 50);
    h.remove(7);
    h.remove(7);
    h.remove(900);  // never set: nothing happens
    EXPECT_EQ(h.size(), 0U);
    EXPECT_FALSE(h.next_deadline());
}

// Against a std::map model through random sets, moves and removes.
TEST(TimerHeap, MatchesAModelUnderRandomChurn) {
    std::mt19937 rng(42);
    timer_heap h;
    std::map<std::uint32_t, std::int64_t> model;
    for (int step = 0; step < 20000; ++step) {
        const auto slot = static_cast<std::uint32_t>(rng() % 300);
        const auto op = rng() % 4;
        if (op < 2) {
            const auto d = static_cast<std::int64_t>(rng() % 100000);
            h.set(slot, d);
            model[slot] = d;
        } else if (op == 2) {
            h.remove(slot);
            model.erase(slot);
        } else {
            const auto now = static_cast<std::int64_t>(rng() % 100000);
            if (const auto got = h.pop_expired(now)) {
                ASSERT_TRUE(model.count(*got));
                const auto min = std::min_element(model.begin(), model.end(), [](auto a, auto b) {
                    return a.second < b.second;
                });
                ASSERT_EQ(model[*got], min->second);
                ASSERT_LE(model[*got], now);
                model.erase(*got);
            }
        }
        ASSERT_EQ(h.size(), model.size());
    }
}
