// chunk_pool: chunks are reused, lent ones are counted, and idle ones are capped.
#include "core/chunk_pool.hpp"

#include <gtest/gtest.h>

#include <vector>

using echo::core::chunk_pool;
using echo::core::chunk_ptr;

TEST(ChunkPool, ReusesARecycledChunk) {
    chunk_pool pool{1024, 4};
    const void* first = nullptr;
    {
        chunk_ptr c = pool.acquire();
        first = c->data;
        EXPECT_EQ(c->capacity, 1024U);
        EXPECT_EQ(pool.lent(), 1U);
    }
    EXPECT_EQ(pool.lent(), 0U);
    EXPECT_EQ(pool.idle(), 1U);
    chunk_ptr again = pool.acquire();
    EXPECT_EQ(again->data, first);
    EXPECT_EQ(again->size(), 0U);
}

TEST(ChunkPool, KeepsAtMostMaxIdle) {
    chunk_pool pool{64, 2};
    {
        std::vector<chunk_ptr> many;
        for (int i = 0; i < 5; ++i) {
            many.push_back(pool.acquire());
        }
        EXPECT_EQ(pool.lent(), 5U);
    }
    EXPECT_EQ(pool.idle(), 2U);
    EXPECT_EQ(pool.lent(), 0U);
}
