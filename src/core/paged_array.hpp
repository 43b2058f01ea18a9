// An array that grows a page at a time: elements never move, growing copies
// nothing, and memory tracks the high-water mark in page steps rather than in
// doublings (a slab for 10 000 connections costs 10 000 slots, not 16 384 + a copy).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace echo::core {

template <class T, std::size_t PageSize = 256>
class paged_array {
public:
    [[nodiscard]] T& operator[](std::size_t i) noexcept {
        return pages_[i / PageSize][i % PageSize];
    }
    [[nodiscard]] const T& operator[](std::size_t i) const noexcept {
        return pages_[i / PageSize][i % PageSize];
    }
    // Elements available (a whole number of pages).
    [[nodiscard]] std::size_t size() const noexcept { return pages_.size() * PageSize; }

    // Makes index n - 1 valid; new elements are value-initialised.
    void grow_to(std::size_t n) {
        while (size() < n) {
            pages_.push_back(std::make_unique<T[]>(PageSize));
        }
    }

private:
    std::vector<std::unique_ptr<T[]>> pages_;
};

}  // namespace echo::core
