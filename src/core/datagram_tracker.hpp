// The client side of a datagram echo, without syscalls: which datagrams are still
// owed, which came back (and when they were sent), which are lost (not back within
// the timeout), and which replies came late, twice, or out of order.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace echo::core {

class datagram_tracker {
public:
    // Records datagram `seq` (the next sequence number: seqs are consecutive).
    void sent(std::uint64_t seq, std::uint32_t size, std::int64_t sent_ns);

    struct answer {
        std::int64_t sent_ns;
        std::uint32_t size;
    };
    // A reply for `seq`: its send time and size when it was owed; nothing when it
    // was never sent, already answered, or already declared lost (counted as late).
    [[nodiscard]] std::optional<answer> answered(std::uint64_t seq) noexcept;

    // Declares lost every owed datagram sent before `deadline_ns`; returns how many.
    std::uint64_t expire(std::int64_t deadline_ns) noexcept;

    [[nodiscard]] std::uint64_t in_flight() const noexcept { return owed_; }
    [[nodiscard]] std::uint64_t late() const noexcept { return late_; }
    [[nodiscard]] std::uint64_t reordered() const noexcept { return reordered_; }

private:
    struct entry {
        std::uint64_t seq = 0;
        std::int64_t sent_ns = 0;
        std::uint32_t size = 0;
        bool owed = false;
    };
    entry& at(std::uint64_t seq) noexcept { return ring_[seq & (ring_.size() - 1)]; }

    std::vector<entry> ring_;  // seqs [head_, next_) live here; power-of-two size
    std::uint64_t head_ = 0;   // oldest seq not yet settled (answered or lost)
    std::uint64_t next_ = 0;
    std::uint64_t owed_ = 0;
    std::uint64_t late_ = 0;
    std::uint64_t reordered_ = 0;
    std::optional<std::uint64_t> highest_answered_;
};

}  // namespace echo::core
