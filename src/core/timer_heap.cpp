// Each move writes the slot's new position, so remove() and set() find an entry
// without a search.
#include "core/timer_heap.hpp"

namespace echo::core {

void timer_heap::place(std::size_t at, entry e) noexcept {
    heap_[at] = e;
    position_[e.index] = static_cast<std::uint32_t>(at + 1);
}

void timer_heap::sift_up(std::size_t at) noexcept {
    const entry e = heap_[at];
    while (at > 0) {
        const std::size_t parent = (at - 1) / 2;
        if (heap_[parent].deadline <= e.deadline) {
            break;
        }
        place(at, heap_[parent]);
        at = parent;
    }
    place(at, e);
}

void timer_heap::sift_down(std::size_t at) noexcept {
    const entry e = heap_[at];
    const std::size_t n = heap_.size();
    while (true) {
        std::size_t child = at * 2 + 1;
        if (child >= n) {
            break;
        }
        if (child + 1 < n && heap_[child + 1].deadline < heap_[child].deadline) {
            ++child;
        }
        if (e.deadline <= heap_[child].deadline) {
            break;
        }
        place(at, heap_[child]);
        at = child;
    }
    place(at, e);
}

void timer_heap::set(std::uint32_t index, std::int64_t deadline) {
    position_.grow_to(std::size_t{index} + 1);
    if (const auto pos = position_[index]; pos != 0) {
        const auto at = std::size_t{pos} - 1;
        const bool earlier = deadline < heap_[at].deadline;
        heap_[at].deadline = deadline;
        earlier ? sift_up(at) : sift_down(at);
        return;
    }
    heap_.push_back({deadline, index});
    sift_up(heap_.size() - 1);
}

void timer_heap::erase_at(std::size_t at) noexcept {
    position_[heap_[at].index] = 0;
    const entry last = heap_.back();
    heap_.pop_back();
    if (at == heap_.size()) {
        return;
    }
    place(at, last);
    sift_up(at);
    sift_down(position_[last.index] - 1);
}

void timer_heap::remove(std::uint32_t index) noexcept {
    if (index < position_.size() && position_[index] != 0) {
        erase_at(position_[index] - 1);
    }
}

std::optional<std::int64_t> timer_heap::next_deadline() const noexcept {
    if (heap_.empty()) {
        return std::nullopt;
    }
    return heap_.front().deadline;
}

std::optional<std::uint32_t> timer_heap::pop_expired(std::int64_t now) noexcept {
    if (heap_.empty() || heap_.front().deadline > now) {
        return std::nullopt;
    }
    const auto index = heap_.front().index;
    erase_at(0);
    return index;
}

}  // namespace echo::core
