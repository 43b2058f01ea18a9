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
