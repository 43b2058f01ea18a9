// locked_shared: what a reader loaded stays its own across stores, and readers on
// other threads only ever see values that were stored, newest last.
#include "core/locked_shared.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using echo::core::locked_shared;

TEST(LockedShared, AReaderKeepsWhatItLoadedAcrossAStore) {
    locked_shared<const int> value{std::make_shared<const int>(1)};
    const auto first = value.load();
    std::weak_ptr<const int> watch = first;
    value.store(std::make_shared<const int>(2));
    EXPECT_EQ(*first, 1);
    EXPECT_EQ(*value.load(), 2);
    EXPECT_FALSE(watch.expired()) << "the reader's copy holds the old value";
}

TEST(LockedShared, TheOldValueGoesWithItsLastReader) {
    locked_shared<const int> value{std::make_shared<const int>(1)};
    std::weak_ptr<const int> watch = value.load();
    value.store(nullptr);
    EXPECT_TRUE(watch.expired());
    EXPECT_EQ(value.load(), nullptr);
}

TEST(LockedShared, ReadersOnOtherThreadsSeeOnlyStoredValuesInOrder) {
    constexpr int kStores = 20'000;
    locked_shared<const int> value{std::make_shared<const int>(0)};
    std::atomic<bool> done{false};
    std::atomic<int> backwards{0};
    std::atomic<long> reads{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
        readers.emplace_back([&] {
            int last = 0;
            while (!done.load(std::memory_order_acquire)) {
                const auto v = value.load();
                if (*v < last) {
                    backwards.fetch_add(1);
                }
                last = *v;
                reads.fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    // Both readers reading before the first store, so the stores meet them.
    for (int spins = 0; reads.load() < 2 && spins < 10'000'000; ++spins) {
        std::this_thread::yield();
    }
    const bool readers_started = reads.load() >= 2;
    for (int i = 1; i <= kStores; ++i) {
        value.store(std::make_shared<const int>(i));
    }
    done.store(true, std::memory_order_release);
    for (auto& t : readers) {
        t.join();
    }
    EXPECT_EQ(*value.load(), kStores);
    EXPECT_EQ(backwards.load(), 0);
    EXPECT_TRUE(readers_started) << "the stores met no reader";
}
