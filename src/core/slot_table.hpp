// A slab of values addressed by (index, generation): a stale id from a closed
// connection can never reach the connection that reused its slot. Values never
// move, so a reference stays valid until its own slot is erased.
#pragma once

#include "core/paged_array.hpp"

#include <cstdint>
#include <optional>
#include <utility>

namespace echo::core {

struct slot_id {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;

    [[nodiscard]] std::uint64_t pack() const noexcept {
        return (std::uint64_t{generation} << 32) | index;
    }
    [[nodiscard]] static slot_id unpack(std::uint64_t v) noexcept {
        return {static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(v >> 32)};
    }
    friend bool operator==(slot_id, slot_id) = default;
};

template <class T>
class slot_table {
public:
    template <class... Args>
    slot_id emplace(Args&&... args) {
        std::uint32_t index;
        if (free_head_ != kNone) {
            index = free_head_;
            free_head_ = entries_[index].next_free;
        } else {
            index = used_++;
            entries_.grow_to(used_);
        }
        entry& e = entries_[index];
        e.value.emplace(std::forward<Args>(args)...);
        ++size_;
        return {index, e.generation};
    }

    [[nodiscard]] T* find(slot_id id) noexcept {
        if (id.index >= used_) {
            return nullptr;
        }
        entry& e = entries_[id.index];
        return (e.value && e.generation == id.generation) ? &*e.value : nullptr;
    }

    // The id of the value living at `index` now, if any (for side tables keyed by index).
    [[nodiscard]] std::optional<slot_id> id_at(std::uint32_t index) const noexcept {
        if (index >= used_ || !entries_[index].value) {
            return std::nullopt;
        }
        return slot_id{index, entries_[index].generation};
    }

    // Frees the slot; its generation moves on so the old id stops resolving.
    void erase(slot_id id) noexcept {
        if (find(id) == nullptr) {
            return;
        }
        entry& e = entries_[id.index];
        e.value.reset();
        e.generation = (e.generation + 1) & kGenerationMask;  // top bit stays clear
        e.next_free = free_head_;
        free_head_ = id.index;
        --size_;
    }

    template <class F>
    void for_each(F&& f) {
        for (std::uint32_t i = 0; i < used_; ++i) {
            if (entries_[i].value) {
                f(slot_id{i, entries_[i].generation}, *entries_[i].value);
            }
        }
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }

private:
    static constexpr std::uint32_t kNone = UINT32_MAX;
    static constexpr std::uint32_t kGenerationMask = 0x7fffffff;
    struct entry {
        std::optional<T> value;
        std::uint32_t generation = 0;
        std::uint32_t next_free = kNone;
    };
    paged_array<entry> entries_;
    std::uint32_t used_ = 0;  // slots ever handed out; the rest of the last page is spare
    std::uint32_t free_head_ = kNone;
    std::size_t size_ = 0;
};

}  // namespace echo::core
