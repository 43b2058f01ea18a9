// The stream faults of a listener as a decorator around its application: the
// inner application's bytes are held and let out as the listener's stream_shaper
// says (and the client's bytes on their way in, for faults_dir=in|both), and the
// connection is cut, stalled, closed slowly, held at accept or refused as asked.
// A listener without faults never gets it, so its echo pays nothing.
//
// A change through the admin API reaches an open decorated connection for the keys
// where that is well defined: delay, jitter, jitter_dist, rate, rate_total, slice
// and slow_close (see stream_shaper::adopt for held bytes). The others are decided
// once: close_after, reset_after, stall_after and stall_for count from the
// connection's start (a lower count than already passed has no one meaning);
// accept_delay, refuse, toxicity and seed are drawn at accept; faults_dir fixes
// which directions have a shaper, so a change can stop shaping one (it passes
// through from then on) but not add one. A connection the toxicity draw left
// undecorated, or made while the listener asked for nothing, stays plain.
#pragma once

#include "core/chunk_list.hpp"
#include "core/stream_faults.hpp"
#include "core/stream_shaper.hpp"
#include "pipeline/application.hpp"
#include "pipeline/fault_tallies.hpp"
#include "pipeline/live_stream_faults.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace echo::pipeline {

// Descriptors: a stall goes on reading the client and drops what it reads (nothing
// leaves after a stall begins), with no bound to fill, so a client that leaves is
// always seen to leave: a reset closes the connection at once (the worker's read
// fails), and so does an EOF during a stall without stall_for; one during a bounded
// stall ends it at stall_for, as before. During accept_delay it reads the client into
// its held input, up to the bound below, and acts on an EOF once serving; a client
// that fills the bound first holds the descriptor until the delay (capped) ends.
// Memory: the bytes it holds are pool chunks counted in held_chunks(), and it takes
// no more from the inner application (or the client) while it holds the worker's
// bound (context.max_chunks), so a peer sending into a long delay is paused with at
// most that much of its bytes held. The shapers' bookkeeping is bounded apart
// (stream_shaper::kMaxBatches). CPU: one wake-up per release, at most ~100 a second
// for a rate, in the worker's timer heap (no timer syscall); one relaxed load per
// event to follow the listener's changes, and while it holds bytes or a slow close,
// a wake-up at least every kFollowNs, so a change reaches a quiet connection too.
// rate_total: a connection holds at most its one send in flight (one pool chunk) of
// the listener's bucket; what the send did not carry goes back when it completes,
// or all of it when the connection goes with the send unfinished.
// Per loop turn it makes at most kTurnSends sends and hands on at most kTurnSends
// pieces of input, and at most kTurnBytes bytes: a slice of one byte with no gap
// would otherwise echo 64 KiB as 65 536 sends before the loop sees anyone else.
class fault_application final : public application {
public:
    // A connection that holds bytes wakes on this grid, and adopts a change there.
    // Each connection's grid is shifted by its own phase (from its seed): aligned
    // grids would wake every held connection of a loop in the same turn.
    static constexpr time_ns kFollowNs = 250'000'000;
    // Past either, the connection waits for the loop's timer phase (the next turn),
    // as chargen does at its kTurnBudget and the engine's reader at its read budget:
    // 32 as libuv's reads per event, 64 KiB as the engine's read budget.
    static constexpr std::size_t kTurnSends = 32;
    static constexpr std::size_t kTurnBytes = 64 * 1024;

    // `refused`: close at once without serving. `seed`: this connection's draws.
    // `spec`: what `live` held when the connection was made (faults non-null).
    fault_application(std::unique_ptr<application> inner,
                      std::shared_ptr<const live_stream_faults> live,
                      live_stream_faults::snapshot spec, std::uint64_t seed, bool refused,
                      const app_context& context,
                      std::shared_ptr<fault_tallies> tallies) noexcept;
    ~fault_application() override;

    void on_received(core::chunk_ptr bytes, time_ns now) noexcept override;
    void on_peer_eof(time_ns now) noexcept override;
    void on_timer(time_ns now) noexcept override;
    void on_shutdown(time_ns now) noexcept override;
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override;
    void on_sent(std::size_t n, time_ns now) noexcept override;
    [[nodiscard]] bool wants_input() const noexcept override;
    [[nodiscard]] bool finished() const noexcept override;
    [[nodiscard]] bool resets() const noexcept override;
    [[nodiscard]] std::optional<time_ns> wake_at() const noexcept override;
    [[nodiscard]] std::size_t held_chunks() const noexcept override;
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override;
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override { return sent_; }
    [[nodiscard]] std::string_view failure() const noexcept override;
    // Where this connection's follow grid lies: its points are phase + k * kFollowNs.
    [[nodiscard]] time_ns follow_phase() const noexcept { return follow_phase_; }

private:
    // The shaper that counts the cut (the echo's, else the client's).
    [[nodiscard]] const core::stream_shaper& cut_shaper() const noexcept {
        return out_shaper_ ? *out_shaper_ : *in_shaper_;
    }
    [[nodiscard]] core::shaper_cut cut() const noexcept { return cut_shaper().cut(now_); }
    [[nodiscard]] bool serving() const noexcept;
    // Adopts the listener's newer spec, if there is one, between sends: the bytes
    // of a send in flight leave as measured when it began.
    void follow() noexcept;
    // The inner application's output into out_ while there is room.
    void pull_out() noexcept;
    // The client's held bytes on to the inner application, as far as allowed.
    void deliver_in() noexcept;
    // Adds the delayed bytes that left since the last report to the listener's
    // tally: as they go, so those of a long connection show while it lasts.
    void report_delayed() noexcept;
    // One send, or one piece of shaped input, of `bytes` counted against this turn.
    void spend(std::size_t bytes) noexcept;
    [[nodiscard]] bool turn_spent() const noexcept {
        return turn_steps_ >= kTurnSends || turn_bytes_ >= kTurnBytes;
    }

    std::unique_ptr<application> inner_;
    std::shared_ptr<const live_stream_faults> live_;
    std::uint64_t generation_;  // of live_, when faults_ was read
    std::shared_ptr<const core::stream_faults> faults_;
    std::shared_ptr<fault_tallies> tallies_;
    std::shared_ptr<core::shared_rate> total_;
    core::chunk_pool* pool_;
    std::size_t max_chunks_;
    std::optional<core::stream_shaper> out_shaper_;  // faults_dir=out|both
    std::optional<core::stream_shaper> in_shaper_;   // faults_dir=in|both
    core::chunk_list out_;  // copies of the inner application's bytes, not yet sent
    core::chunk_list in_;   // the client's bytes, not yet given to the inner application
    std::uint64_t sent_ = 0;
    std::uint64_t delayed_reported_ = 0;  // to tallies_
    std::size_t sending_ = 0;             // bytes of the send in flight (0: none)
    time_ns now_;
    time_ns opened_;
    time_ns follow_phase_;  // this connection's offset of the kFollowNs grid
    time_ns serving_at_;  // accept_delay ends
    time_ns eof_at_ = 0;
    std::size_t turn_steps_ = 0;  // sends and pieces of input since the last timer
    std::size_t turn_bytes_ = 0;
    time_ns spent_at_ = 0;        // when this turn's budget ran out
    bool refused_;
    bool peer_eof_ = false;
    bool inner_told_eof_ = false;
};

// Makes the listener's applications: the inner factory's, decorated for the share
// of connections `toxicity` picks (seed + connection number, so the same seed
// picks the same connections). The spec can be replaced at run time; a change
// applies to the connections made after it, and open decorated ones follow the
// keys named above.
class fault_application_factory final : public application_factory {
public:
    fault_application_factory(std::shared_ptr<const application_factory> inner,
                              std::shared_ptr<const core::stream_faults> faults);

    [[nodiscard]] std::unique_ptr<application> make(const app_context& context) const
        noexcept override;
    [[nodiscard]] bool wants_context() const noexcept override { return inner_->wants_context(); }

    // Thread-safe; `faults` non-null. A changed rate_total gets a new
    // bucket, which open connections take up as well.
    void replace(std::shared_ptr<const core::stream_faults> faults) {
        live_->replace(std::move(faults));
    }
    [[nodiscard]] std::shared_ptr<const core::stream_faults> faults() const noexcept {
        return live_->current().faults;
    }
    [[nodiscard]] const fault_tallies& tallies() const noexcept { return *tallies_; }

private:
    std::shared_ptr<const application_factory> inner_;
    std::shared_ptr<live_stream_faults> live_;
    std::shared_ptr<fault_tallies> tallies_;
    mutable std::atomic<std::uint64_t> made_{0};  // connection numbers
};

}  // namespace echo::pipeline
