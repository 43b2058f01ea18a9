// An intrusive doubly linked list over slot indices; its nodes live in a paged
// array of their own, so connections pay for it only when a timeout is set.
#include "core/deadline_list.hpp"

namespace echo::core {

void deadline_list::touch(std::uint32_t index, std::int64_t deadline) {
    nodes_.grow_to(std::size_t{index} + 1);
    remove(index);
    node& n = nodes_[index];
    n.deadline = deadline;
    n.linked = true;
    n.prev = tail_;
    n.next = kNone;
    (tail_ == kNone ? head_ : nodes_[tail_].next) = index;
    tail_ = index;
    ++size_;
}

void deadline_list::remove(std::uint32_t index) noexcept {
    if (index >= nodes_.size() || !nodes_[index].linked) {
        return;
    }
    node& n = nodes_[index];
    (n.prev == kNone ? head_ : nodes_[n.prev].next) = n.next;
    (n.next == kNone ? tail_ : nodes_[n.next].prev) = n.prev;
    n = node{};
    --size_;
}

std::optional<std::int64_t> deadline_list::next_deadline() const noexcept {
    if (head_ == kNone) {
        return std::nullopt;
    }
    return nodes_[head_].deadline;
}

std::optional<std::uint32_t> deadline_list::pop_expired(std::int64_t now) noexcept {
    if (head_ == kNone || nodes_[head_].deadline > now) {
        return std::nullopt;
    }
    const std::uint32_t index = head_;
    remove(index);
    return index;
}

}  // namespace echo::core
