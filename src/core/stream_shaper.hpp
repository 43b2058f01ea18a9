// One direction of a faulted connection as a state machine over byte counts and
// steady-clock times, without the bytes themselves: bytes enter with their arrival
// time, and it says how many may leave now, when next to wake, and whether the
// stream has reached its cut (close_after, reset_after, stall_after).
#pragma once

#include "core/shared_rate.hpp"
#include "core/splitmix64.hpp"
#include "core/stream_faults.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace echo::core {

// The faults' generator: the same seed gives the same faults on every platform.
using fault_random = splitmix64;

// The seed of connection number `n` of a listener seeded `seed`.
[[nodiscard]] std::uint64_t connection_seed(std::uint64_t seed, std::uint64_t n) noexcept;

enum class shaper_cut : std::uint8_t { none, close, reset, stall };

class stream_shaper {
public:
    using time_ns = std::int64_t;

    // Batches of bytes waiting for their release time. Bounded so a peer sending
    // one byte at a time into a long delay costs at most this many 24-byte entries
    // (6 KiB); full() then asks the caller to stop taking bytes.
    static constexpr std::size_t kMaxBatches = 256;

    // `counts_cuts`: the bytes of this direction are the ones close_after,
    // reset_after and stall_after count. `seed` draws the jitter and slice sizes.
    // `total`: the listener's rate_total, shared with its other connections (null:
    // none); it must outlive the shaper.
    stream_shaper(const stream_faults& faults, bool counts_cuts, std::uint64_t seed,
                  time_ns now, shared_rate* total = nullptr) noexcept;

    [[nodiscard]] bool full() const noexcept { return batches_.size() >= kMaxBatches; }
    // `n` bytes arrived at `arrival` (not before the previous arrival). Their release
    // is arrival + delay + jitter, never before the bytes ahead of them.
    void enter(std::size_t n, time_ns arrival);
    // How many bytes may leave at `now` (refills the rate bucket).
    [[nodiscard]] std::size_t ready(time_ns now) noexcept;
    // A send of up to `n` (at most ready()) bytes starts at `now`; returns how many
    // it may carry. Those are taken from the listener's rate_total at once, so the
    // ready() of a connection whose send starts later in the same turn sees them
    // gone (fewer than `n` only when another loop took them since ready()).
    [[nodiscard]] std::size_t start(std::size_t n, time_ns now) noexcept;
    // `n` bytes left at `now`: at most what start() allowed, or when no send was
    // started, at most ready(). What a started send did not carry goes back to the
    // listener's rate_total.
    void left(std::size_t n, time_ns now) noexcept;
    // When ready() next turns positive, or when a stall ends; none: nothing to wait
    // for (no bytes held, or cut for good).
    [[nodiscard]] std::optional<time_ns> wake_at() const noexcept;
    // Where the stream stands at `now`. A stall whose stall_for has passed reads as
    // close.
    [[nodiscard]] shaper_cut cut(time_ns now) const noexcept;
    // The cut this stream comes to, reached or not (none: no cut counts here).
    [[nodiscard]] shaper_cut cut_kind() const noexcept { return cut_kind_; }
    // A stall without stall_for: it ends only when the connection does.
    [[nodiscard]] bool stalls_for_ever() const noexcept {
        return cut_kind_ == shaper_cut::stall && faults_.stall_for.count() == 0;
    }

    // Takes the shaping keys of `faults` (delay, jitter, jitter_dist, rate, slice) and
    // the listener bucket `total` at `now`, for a connection already open; the cut
    // (close_after, reset_after, stall_after, stall_for) stays as it began, since it
    // counts from the connection's start. Bytes held are re-timed from their arrival
    // with the new delay (a fresh jitter draw each), front to back, never before the
    // batch ahead: lowered, they leave sooner; raised, later; in order either way.
    // The bucket keeps its tokens up to the new burst and refills at the new rate
    // from `now`. A changed slice ends the slice under way: the next, of the new
    // size, opens one new gap later. Costs O(kMaxBatches) once per change. Not
    // between start() and left(): the bytes started belong to the old bucket.
    void adopt(const stream_faults& faults, time_ns now, shared_rate* total) noexcept;

    [[nodiscard]] std::uint64_t held() const noexcept { return held_; }
    [[nodiscard]] std::uint64_t shaped() const noexcept { return shaped_; }
    // Bytes that have left from a batch released after its (latest) arrival: counted
    // as they leave, so a long connection shows them while it lasts. Bytes a change
    // to no delay let out at once count as not delayed.
    [[nodiscard]] std::uint64_t delayed() const noexcept { return delayed_; }

private:
    struct batch {
        time_ns release;
        time_ns arrival;  // the latest of its bytes', so a re-time never lets one out early
        std::uint64_t bytes;
    };

    [[nodiscard]] bool delays() const noexcept {
        return faults_.delay.count() > 0 || faults_.jitter.count() > 0;
    }
    [[nodiscard]] time_ns jitter_sample() noexcept;
    void set_rate(std::uint64_t rate) noexcept;
    [[nodiscard]] std::uint64_t next_slice() noexcept;
    void refill(time_ns now) noexcept;

    stream_faults faults_;
    shared_rate* total_;
    fault_random random_;
    std::deque<batch> batches_;
    std::uint64_t held_ = 0;
    std::uint64_t shaped_ = 0;
    std::uint64_t delayed_ = 0;
    std::uint64_t started_ = 0;  // taken from total_ by start(), not yet left()
    time_ns last_release_ = 0;
    // Rate: a bucket of at most burst_ bytes (250 ms of the rate), woken when it
    // holds quantum_ (10 ms of it, at least 1 byte): a shaped connection wakes at
    // most ~100 times a second, and a loop that wakes late loses no bandwidth.
    double tokens_ = 0;
    double burst_ = 0;
    double quantum_ = 0;
    time_ns refilled_ = 0;
    // Slicing: bytes left in the current slice, and when it may start.
    std::uint64_t slice_left_ = 0;
    time_ns slice_opens_ = 0;
    // The cut: after cut_at_ bytes, cut_kind_ (none: no cut).
    std::uint64_t cut_at_ = 0;
    shaper_cut cut_kind_ = shaper_cut::none;
    bool cut_reached_ = false;
    time_ns cut_time_ = 0;
};

}  // namespace echo::core
