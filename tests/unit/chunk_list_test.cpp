// chunk_list: FIFO order, byte accounting, and chunks returned to their pool.
#include "core/chunk_list.hpp"
#include "core/chunk_pool.hpp"

#include <gtest/gtest.h>

using echo::core::chunk_list;
using echo::core::chunk_pool;

namespace {

echo::core::chunk_ptr filled(chunk_pool& pool, std::uint32_t n, std::byte value) {
    auto c = pool.acquire();
    for (std::uint32_t i = 0; i < n; ++i) {
        c->data[i] = value;
    }
    c->end = n;
    return c;
}

}  // namespace

TEST(ChunkList, KeepsOrderAndCountsBytes) {
    chunk_pool pool{16, 8};
    chunk_list list;
    EXPECT_TRUE(list.empty());
    list.push_back(filled(pool, 3, std::byte{1}));
    list.push_back(filled(pool, 5, std::byte{2}));
    EXPECT_EQ(list.count(), 2U);
    EXPECT_EQ(list.bytes(), 8U);
    list.consume_front(2);
    EXPECT_EQ(list.bytes(), 6U);
    EXPECT_EQ(list.front()->size(), 1U);
    auto first = list.pop_front();
    EXPECT_EQ(first->data[first->begin], std::byte{1});
    auto second = list.pop_front();
    EXPECT_EQ(second->data[0], std::byte{2});
    EXPECT_TRUE(list.empty());
    EXPECT_EQ(list.bytes(), 0U);
}

TEST(ChunkList, ClearReturnsChunksToThePool) {
    chunk_pool pool{16, 8};
    {
        chunk_list list;
        list.push_back(filled(pool, 1, std::byte{0}));
        list.push_back(filled(pool, 1, std::byte{0}));
        EXPECT_EQ(pool.lent(), 2U);
    }
    EXPECT_EQ(pool.lent(), 0U);
}

TEST(ChunkList, MoveTransfersOwnership) {
    chunk_pool pool{16, 8};
    chunk_list a;
    a.push_back(filled(pool, 4, std::byte{7}));
    chunk_list b{std::move(a)};
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
    EXPECT_EQ(b.bytes(), 4U);
    a = std::move(b);
    EXPECT_EQ(a.bytes(), 4U);
    EXPECT_EQ(pool.lent(), 1U);
}

TEST(ChunkList, AppendToBackFillsTheLastChunkOnly) {
    chunk_pool pool{8, 8};
    chunk_list list;
    const std::byte bytes[12] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                                 std::byte{5}, std::byte{6}, std::byte{7}, std::byte{8},
                                 std::byte{9}, std::byte{10}, std::byte{11}, std::byte{12}};
    EXPECT_EQ(list.append_to_back(bytes), 0U);  // no chunk to fill
    EXPECT_EQ(list.back(), nullptr);
    list.push_back(filled(pool, 3, std::byte{0}));
    list.push_back(filled(pool, 2, std::byte{0}));
    EXPECT_EQ(list.back(), list.front()->next);
    // 6 free bytes in the back chunk: 6 of the 12 go in, the front chunk is untouched.
    EXPECT_EQ(list.append_to_back(bytes), 6U);
    EXPECT_EQ(list.bytes(), 11U);
    EXPECT_EQ(list.front()->size(), 3U);
    EXPECT_EQ(list.back()->size(), 8U);
    EXPECT_EQ(list.back()->data[2], std::byte{1});
    EXPECT_EQ(list.back()->data[7], std::byte{6});
    EXPECT_EQ(list.append_to_back(bytes), 0U);  // full
    // A partly consumed front chunk that is also the back one: appends after its end.
    (void)list.pop_front();
    (void)list.pop_front();
    list.push_back(filled(pool, 4, std::byte{0}));
    list.consume_front(3);
    EXPECT_EQ(list.append_to_back(std::span{bytes}.subspan(6, 2)), 2U);
    EXPECT_EQ(list.bytes(), 3U);
    EXPECT_EQ(list.front()->size(), 3U);
    EXPECT_EQ(list.front()->data[4], std::byte{7});
    EXPECT_EQ(list.front()->data[5], std::byte{8});
    EXPECT_EQ(list.append_to_back({}), 0U);
    EXPECT_EQ(list.bytes(), 3U);
}
