// The per-datagram choices a udp listener's faults make, without I/O: given a
// datagram's size and arrival time, whether it is dropped, sent now or held until a
// time, sent once or twice, and which bit of it flips. A seeded generator makes the
// same seed give the same choices for the same arrivals.
#pragma once

#include "core/datagram_faults.hpp"
#include "core/splitmix64.hpp"

#include <cstdint>
#include <optional>

namespace echo::core {

struct datagram_fate {
    bool drop = false;
    bool line_full = false;                 // rate: dropped (drop too) behind a full line
    bool twice = false;                     // dup: a second copy right behind the first
    bool reordered = false;                 // reorder: sent at once, ahead of held ones
    std::int64_t send_at = 0;               // at or before now: send now
    std::optional<std::uint32_t> flip_bit;  // corrupt: bit (byte * 8 + 0..7) of the echo
};

// One per loop and listener; not thread-safe.
class datagram_fault_dice {
public:
    explicit datagram_fault_dice(const datagram_faults& faults, std::uint64_t seed) noexcept;

    // A datagram that would wait longer than this behind the line's earlier ones (on
    // top of its own delay) is dropped, as netem's `limit` drops over a full queue,
    // and takes no time on the line. A time and not a count, so an honest datagram
    // after any burst is answered within it (plus its own delay and transmission)
    // whatever the rate; one second is a deep buffer, yet short enough that a
    // client's retry timer is not outlived by the queue. The line holds at most
    // rate x kMaxLineWait bytes plus one datagram (and the hold's caps over that).
    static constexpr std::int64_t kMaxLineWaitNs = 1'000'000'000;

    // `now_ns` monotonic. Each fault whose probability is above 0 draws once per
    // datagram (one dropped by drop= draws no more), so the same keys, seed and
    // arrivals give the same fates.
    [[nodiscard]] datagram_fate roll(std::uint32_t size, std::int64_t now_ns) noexcept;
    // The datagram of the last roll() never left (the hold was full): the line
    // forgets its time, so a datagram dropped here delays no later one.
    void refund_last() noexcept { line_free_at_ = line_before_last_; }

    // A uniform draw in [0, 1); public for the tests of its spread.
    [[nodiscard]] double uniform() noexcept { return random_.uniform(); }

private:
    [[nodiscard]] bool happens(double p) noexcept { return p > 0 && uniform() < p; }

    datagram_faults faults_;
    splitmix64 random_;
    std::int64_t line_free_at_ = 0;      // rate: when the last datagram has left the "wire"
    std::int64_t line_before_last_ = 0;  // line_free_at_ before the last roll()
};

}  // namespace echo::core
