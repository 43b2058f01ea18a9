// Settled entries at the head are passed as soon as they are contiguous, and kept
// kHistory more, so the ring holds the window between the oldest owed datagram and
// the newest plus that much history.
#include "core/datagram_tracker.hpp"

#include "core/ring_growth.hpp"

namespace echo::core {

void datagram_tracker::sent(std::uint64_t seq, std::uint32_t size, std::int64_t sent_ns) {
    if (next_ - tail_ == ring_.size()) {
        grow_ring(ring_, tail_, next_, 16);
    }
    at(seq) = entry{seq, sent_ns, size, state::owed, false};
    next_ = seq + 1;
    ++owed_;
}

void datagram_tracker::settle(entry& e, state to) noexcept {
    e.now = to;
    --owed_;
    while (head_ < next_ && at(head_).now != state::owed) {
        ++head_;
    }
    if (head_ - tail_ > kHistory) {
        tail_ = head_ - kHistory;
    }
}

std::optional<datagram_tracker::answer> datagram_tracker::answered(std::uint64_t seq) noexcept {
    if (seq < tail_ || seq >= next_) {
        ++late_;
        return std::nullopt;
    }
    entry& e = at(seq);
    if (e.now != state::owed) {
        ++(e.now == state::lost ? late_ : duplicated_);
        return std::nullopt;
    }
    if (highest_answered_ && seq < *highest_answered_) {
        for (std::uint64_t later = seq + 1; later <= *highest_answered_; ++later) {
            entry& ahead = at(later);
            if (ahead.now == state::answered && !ahead.overtook) {
                ahead.overtook = true;
                ++reordered_;
            }
        }
    }
    if (!highest_answered_ || seq > *highest_answered_) {
        highest_answered_ = seq;
    }
    const answer a{e.sent_ns, e.size};
    settle(e, state::answered);
    return a;
}

std::optional<std::uint32_t> datagram_tracker::size_of(std::uint64_t seq) const noexcept {
    if (seq < tail_ || seq >= next_) {
        return std::nullopt;
    }
    return at(seq).size;
}

bool datagram_tracker::corrupted(std::uint64_t seq) noexcept {
    ++corrupted_;
    if (seq < head_ || seq >= next_ || at(seq).now != state::owed) {
        return false;
    }
    settle(at(seq), state::corrupted);
    return true;
}

std::uint64_t datagram_tracker::expire(std::int64_t deadline_ns) noexcept {
    std::uint64_t lost = 0;
    while (head_ < next_ && (at(head_).now != state::owed || at(head_).sent_ns < deadline_ns)) {
        if (at(head_).now == state::owed) {
            at(head_).now = state::lost;
            --owed_;
            ++lost;
        }
        ++head_;
    }
    if (head_ - tail_ > kHistory) {
        tail_ = head_ - kHistory;
    }
    return lost;
}

}  // namespace echo::core
