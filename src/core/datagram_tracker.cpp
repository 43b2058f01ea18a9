// Settled entries at the head are dropped as soon as they are contiguous, so the
// ring holds only the window between the oldest owed datagram and the newest.
#include "core/datagram_tracker.hpp"

#include "core/ring_growth.hpp"

namespace echo::core {

void datagram_tracker::sent(std::uint64_t seq, std::uint32_t size, std::int64_t sent_ns) {
    if (next_ - head_ == ring_.size()) {
        grow_ring(ring_, head_, next_, 16);
    }
    at(seq) = entry{seq, sent_ns, size, true};
    next_ = seq + 1;
    ++owed_;
}

std::optional<datagram_tracker::answer> datagram_tracker::answered(std::uint64_t seq) noexcept {
    if (seq < head_ || seq >= next_ || !at(seq).owed) {
        ++late_;
        return std::nullopt;
    }
    entry& e = at(seq);
    e.owed = false;
    --owed_;
    if (highest_answered_ && seq < *highest_answered_) {
        ++reordered_;
    }
    if (!highest_answered_ || seq > *highest_answered_) {
        highest_answered_ = seq;
    }
    while (head_ < next_ && !at(head_).owed) {
        ++head_;
    }
    return answer{e.sent_ns, e.size};
}

std::uint64_t datagram_tracker::expire(std::int64_t deadline_ns) noexcept {
    std::uint64_t lost = 0;
    while (head_ < next_ && (!at(head_).owed || at(head_).sent_ns < deadline_ns)) {
        if (at(head_).owed) {
            at(head_).owed = false;
            --owed_;
            ++lost;
        }
        ++head_;
    }
    return lost;
}

}  // namespace echo::core
