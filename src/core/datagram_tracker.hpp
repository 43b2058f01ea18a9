// The client side of a datagram echo, without syscalls: which datagrams are still
// owed, which came back (and when they were sent), which are lost (not back within
// the timeout), and which replies came twice, late, corrupted or out of order.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace echo::core {

class datagram_tracker {
public:
    // How many settled datagrams are remembered behind the oldest owed one, so that
    // a second reply is told apart from a late one: a reply older than that is
    // counted late. A duplicating server sends its copies together, well inside it.
    static constexpr std::uint64_t kHistory = 256;

    // Records datagram `seq` (the next sequence number: seqs are consecutive).
    void sent(std::uint64_t seq, std::uint32_t size, std::int64_t sent_ns);

    struct answer {
        std::int64_t sent_ns;
        std::uint32_t size;
    };
    // A reply for `seq`: its send time and size when it was owed. Nothing when it was
    // answered already (a duplicate), declared lost or never sent (late).
    // A reply that comes before one sent earlier (whose reply comes later) counts
    // once as reordered: the overtakers, as netem's reorder sends them ahead. Cost:
    // a reply that arrives behind later ones looks at each reply between them.
    [[nodiscard]] std::optional<answer> answered(std::uint64_t seq) noexcept;

    // The size `seq` was sent with, while it is owed or remembered; for telling
    // which datagram a corrupted reply was.
    [[nodiscard]] std::optional<std::uint32_t> size_of(std::uint64_t seq) const noexcept;
    // A reply that is `seq`'s with bits changed: settles it when owed (not lost, not
    // answered: no latency), and counts it corrupted either way. True when it was owed.
    bool corrupted(std::uint64_t seq) noexcept;

    // Declares lost every owed datagram sent before `deadline_ns`; returns how many.
    std::uint64_t expire(std::int64_t deadline_ns) noexcept;

    [[nodiscard]] std::uint64_t in_flight() const noexcept { return owed_; }
    [[nodiscard]] std::uint64_t late() const noexcept { return late_; }
    [[nodiscard]] std::uint64_t duplicated() const noexcept { return duplicated_; }
    [[nodiscard]] std::uint64_t reordered() const noexcept { return reordered_; }
    [[nodiscard]] std::uint64_t corrupted() const noexcept { return corrupted_; }

private:
    enum class state : std::uint8_t { owed, answered, lost, corrupted };
    struct entry {
        std::uint64_t seq = 0;
        std::int64_t sent_ns = 0;
        std::uint32_t size = 0;
        state now = state::owed;
        bool overtook = false;  // answered before an earlier one: counted reordered
    };
    entry& at(std::uint64_t seq) noexcept { return ring_[seq & (ring_.size() - 1)]; }
    const entry& at(std::uint64_t seq) const noexcept {
        return ring_[seq & (ring_.size() - 1)];
    }
    void settle(entry& e, state to) noexcept;

    std::vector<entry> ring_;  // seqs [tail_, next_) live here; power-of-two size
    std::uint64_t tail_ = 0;   // oldest seq remembered: head_ - kHistory at most
    std::uint64_t head_ = 0;   // oldest seq not yet settled
    std::uint64_t next_ = 0;
    std::uint64_t owed_ = 0;
    std::uint64_t late_ = 0;
    std::uint64_t duplicated_ = 0;
    std::uint64_t reordered_ = 0;
    std::uint64_t corrupted_ = 0;
    std::optional<std::uint64_t> highest_answered_;
};

}  // namespace echo::core
