// Slots ordered by a deadline of any value (an HTTP response delayed by ?delay=,
// a request deadline): an indexed binary heap, one entry per slot at most, so
// moving a slot's deadline is O(log n) in place and nothing stale piles up.
#pragma once

#include "core/paged_array.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace echo::core {

class timer_heap {
public:
    // Sets (or moves) the deadline of `index`.
    void set(std::uint32_t index, std::int64_t deadline);
    void remove(std::uint32_t index) noexcept;
    [[nodiscard]] std::optional<std::int64_t> next_deadline() const noexcept;
    // Removes and returns the earliest slot if its deadline is at or before `now`.
    [[nodiscard]] std::optional<std::uint32_t> pop_expired(std::int64_t now) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }

private:
    struct entry {
        std::int64_t deadline;
        std::uint32_t index;
    };
    void place(std::size_t at, entry e) noexcept;
    void sift_up(std::size_t at) noexcept;
    void sift_down(std::size_t at) noexcept;
    void erase_at(std::size_t at) noexcept;

    std::vector<entry> heap_;
    paged_array<std::uint32_t> position_;  // slot -> heap position + 1; 0: not in it
};

}  // namespace echo::core
