// Slots ordered by a deadline that is always "now + a fixed span" when set (idle
// timeout from the last activity, lifetime from the open), so insertion order is
// deadline order: O(1) touch and remove, and expiry looks at the front only.
#pragma once

#include "core/paged_array.hpp"

#include <cstdint>
#include <optional>

namespace echo::core {

class deadline_list {
public:
    // (Re)places `index` at the back with `deadline`, which must be no earlier than
    // any deadline already in the list.
    void touch(std::uint32_t index, std::int64_t deadline);
    void remove(std::uint32_t index) noexcept;
    [[nodiscard]] std::optional<std::int64_t> next_deadline() const noexcept;
    // Removes and returns the front slot if its deadline is at or before `now`.
    [[nodiscard]] std::optional<std::uint32_t> pop_expired(std::int64_t now) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

private:
    static constexpr std::uint32_t kNone = UINT32_MAX;
    struct node {
        std::uint32_t prev = kNone;
        std::uint32_t next = kNone;
        std::int64_t deadline = 0;
        bool linked = false;
    };

    paged_array<node> nodes_;
    std::uint32_t head_ = kNone;
    std::uint32_t tail_ = kNone;
    std::size_t size_ = 0;
};

}  // namespace echo::core
