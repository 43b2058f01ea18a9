// slot_table: ids resolve while alive, go stale on erase, and slots are reused.
#include "core/slot_table.hpp"

#include <gtest/gtest.h>

#include <string>

using echo::core::slot_id;
using echo::core::slot_table;

TEST(SlotTable, StaleIdDoesNotReachTheNewOccupant) {
    slot_table<std::string> table;
    const slot_id a = table.emplace("a");
    table.erase(a);
    const slot_id b = table.emplace("b");
    EXPECT_EQ(a.index, b.index);
    EXPECT_NE(a.generation, b.generation);
    EXPECT_EQ(table.find(a), nullptr);
    ASSERT_NE(table.find(b), nullptr);
    EXPECT_EQ(*table.find(b), "b");
    EXPECT_EQ(table.size(), 1U);
}

TEST(SlotTable, PackRoundTripsAndKeepsTopBitClear) {
    slot_table<int> table;
    slot_id id{};
    for (int i = 0; i < 3; ++i) {
        id = table.emplace(i);
        table.erase(id);
    }
    id = table.emplace(42);
    EXPECT_EQ(slot_id::unpack(id.pack()), id);
    EXPECT_EQ(id.pack() >> 63, 0U);
}

TEST(SlotTable, ForEachVisitsLiveSlotsOnly) {
    slot_table<int> table;
    const auto a = table.emplace(1);
    table.emplace(2);
    table.emplace(3);
    table.erase(a);
    int sum = 0;
    table.for_each([&](slot_id, int& v) { sum += v; });
    EXPECT_EQ(sum, 5);
}

TEST(SlotTable, EraseOfStaleIdIsHarmless) {
    slot_table<int> table;
    const auto a = table.emplace(1);
    table.erase(a);
    table.erase(a);
    EXPECT_EQ(table.size(), 0U);
}

TEST(SlotTable, ValuesNeverMoveAsTheTableGrows) {
    echo::core::slot_table<int> t;
    const auto first = t.emplace(42);
    const int* where = t.find(first);
    for (int i = 0; i < 5000; ++i) {
        (void)t.emplace(i);
    }
    EXPECT_EQ(t.find(first), where);
    EXPECT_EQ(*where, 42);
    EXPECT_EQ(t.size(), 5001U);
}
