// Copies the inner application's output so its arrival time is known at once (its
// next chunk is not lent before the previous one is sent); the client's bytes are
// held as they came, and copied only where a shaped release cuts a chunk.
#include "pipeline/fault_application.hpp"

#include "core/chunk_pool.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace echo::pipeline {

namespace {

using core::shaper_cut;

// What a direction a change no longer shapes adopts: nothing to hold it back.
constexpr core::stream_faults kPassThrough{};

// Copies what fits of `bytes` into `list` (appending to its back chunk, then new
// chunks from `pool`) while it holds fewer than `max_chunks`; returns how much.
std::size_t copy_into(core::chunk_list& list, core::chunk_pool& pool, std::size_t max_chunks,
                      std::span<const std::byte> bytes) noexcept {
    std::size_t done = list.append_to_back(bytes);
    while (done < bytes.size() && list.count() < max_chunks) {
        core::chunk_ptr c;
        try {
            c = pool.acquire();
        } catch (const std::bad_alloc&) {
            break;  // the rest waits in the inner application
        }
        const auto n = std::min<std::size_t>(bytes.size() - done, c->capacity);
        std::memcpy(c->data, bytes.data() + done, n);
        c->begin = 0;
        c->end = static_cast<std::uint32_t>(n);
        list.push_back(std::move(c));
        done += n;
    }
    return done;
}

}  // namespace

fault_application::fault_application(std::unique_ptr<application> inner,
                                     std::shared_ptr<const live_stream_faults> live,
                                     live_stream_faults::snapshot spec, std::uint64_t seed,
                                     bool refused, const app_context& context,
                                     std::shared_ptr<fault_tallies> tallies) noexcept
    : inner_(std::move(inner)),
      live_(std::move(live)),
      generation_(spec.generation),
      faults_(std::move(spec.faults)),
      tallies_(std::move(tallies)),
      total_(std::move(spec.total)),
      pool_(context.chunks),
      max_chunks_(std::max<std::size_t>(context.max_chunks, 1)),
      now_(context.now),
      opened_(context.now),
      follow_phase_(static_cast<time_ns>(seed % static_cast<std::uint64_t>(kFollowNs))),
      serving_at_(context.now + faults_->accept_delay.count()),
      refused_(refused) {
    // The cuts count the echo's bytes, or the client's when only those are shaped.
    if (faults_->shapes_out()) {
        out_shaper_.emplace(*faults_, true, seed, context.now, total_.get());
    }
    if (faults_->shapes_in()) {
        in_shaper_.emplace(*faults_, !faults_->shapes_out(), ~seed, context.now, total_.get());
    }
}

fault_application::~fault_application() {
    if (sending_ > 0 && out_shaper_) {
        out_shaper_->left(0, now_);  // the send never finished: its rate_total goes back
    }
    report_delayed();
    if (tallies_ && cut() == shaper_cut::reset) {
        tallies_->reset(bytes_received() - std::min(bytes_received(), sent_));
    }
}

void fault_application::report_delayed() noexcept {
    const auto delayed = (out_shaper_ ? out_shaper_->delayed() : 0) +
                         (in_shaper_ ? in_shaper_->delayed() : 0);
    if (tallies_ && delayed > delayed_reported_) {
        tallies_->delayed(delayed - delayed_reported_);
        delayed_reported_ = delayed;
    }
}

void fault_application::follow() noexcept {
    if (live_->generation() == generation_ || sending_ > 0) {
        return;
    }
    auto spec = live_->current();
    generation_ = spec.generation;
    faults_ = std::move(spec.faults);
    total_ = std::move(spec.total);
    // A direction the change no longer shapes leaves rate_total's bucket as well, as
    // on a connection made after the change, which has no shaper there.
    const auto adopt = [this](std::optional<core::stream_shaper>& shaper, bool shapes) {
        if (shaper) {
            shaper->adopt(shapes ? *faults_ : kPassThrough, now_, shapes ? total_.get() : nullptr);
        }
    };
    adopt(out_shaper_, faults_->shapes_out());
    adopt(in_shaper_, faults_->shapes_in());
}

bool fault_application::serving() const noexcept {
    return !refused_ && now_ >= serving_at_ && cut() == shaper_cut::none;
}

void fault_application::on_received(core::chunk_ptr bytes, time_ns now) noexcept {
    now_ = now;
    follow();
    if (!bytes || bytes->size() == 0) {
        return;
    }
    if (cut() == shaper_cut::stall) {
        return;  // nothing leaves after a stall begins: dropped, so reading goes on
    }
    if (in_shaper_) {
        in_shaper_->enter(bytes->size(), now);
    }
    in_.push_back(std::move(bytes));
    deliver_in();
}

void fault_application::on_peer_eof(time_ns now) noexcept {
    now_ = now;
    follow();
    if (!peer_eof_) {
        peer_eof_ = true;
        eof_at_ = now;  // slow_close counts from the first word of it
    }
    deliver_in();
}

// The worker runs due timers once per loop turn, after the engine's events: the
// turn that ran out of budget has ended, and a new one begins.
void fault_application::on_timer(time_ns now) noexcept {
    now_ = now;
    turn_steps_ = 0;
    turn_bytes_ = 0;
    follow();
    if (const auto inner_wake = inner_->wake_at(); inner_wake && *inner_wake <= now) {
        inner_->on_timer(now);
    }
    deliver_in();
}

void fault_application::on_shutdown(time_ns now) noexcept {
    now_ = now;
    inner_->on_shutdown(now);
}

void fault_application::spend(std::size_t bytes) noexcept {
    ++turn_steps_;
    turn_bytes_ += bytes;
    if (turn_spent()) {
        spent_at_ = now_;
    }
}

void fault_application::deliver_in() noexcept {
    if (serving()) {
        // The inner application is held to the worker's bound as well: a piece cut
        // from a chunk is a chunk of its own.
        while (!in_.empty() && inner_->wants_input() && !turn_spent() &&
               inner_->held_chunks() < max_chunks_) {
            auto* front = in_.front();
            std::size_t n = front->size();
            if (in_shaper_) {
                n = std::min(n, in_shaper_->ready(now_));
                if (n == 0) {
                    break;
                }
            }
            core::chunk_ptr piece;
            if (n == front->size()) {
                piece = in_.pop_front();
            } else {
                if (pool_ == nullptr) {
                    break;
                }
                // The engine's chunks may be larger than the pool's: one pool chunk a piece.
                n = std::min<std::size_t>(n, pool_->chunk_size());
                core::chunk_list one;
                if (copy_into(one, *pool_, 1, front->payload().first(n)) != n) {
                    break;  // out of memory: try again at the next event
                }
                piece = one.pop_front();
                in_.consume_front(n);
            }
            if (in_shaper_) {
                // Unshaped input goes on as the engine read it, under its read budget.
                in_shaper_->left(n, now_);
                spend(n);
            }
            inner_->on_received(std::move(piece), now_);
        }
        report_delayed();
    }
    // Cut on the client's bytes (faults_dir=in), the application sees its input end
    // there, and answers what it had before the connection ends.
    const auto c = cut();
    // Nothing leaves once a stall begins: what still waits in in_ goes with it, so the
    // worker's bound on held chunks cannot stop the reading that sees the client leave.
    if (c == shaper_cut::stall) {
        in_.clear();
    }
    const bool input_cut = !out_shaper_ && (c == shaper_cut::close || c == shaper_cut::reset);
    if (((peer_eof_ && in_.empty()) || input_cut) && !inner_told_eof_ && !refused_ &&
        now_ >= serving_at_) {
        inner_told_eof_ = true;
        inner_->on_peer_eof(now_);
    }
}

void fault_application::pull_out() noexcept {
    if (!out_shaper_ || pool_ == nullptr) {
        return;
    }
    while (out_.count() < max_chunks_ && !out_shaper_->full()) {
        const auto bytes = inner_->begin_send();
        if (bytes.empty()) {
            return;
        }
        const auto n = copy_into(out_, *pool_, max_chunks_, bytes);
        inner_->on_sent(n, now_);
        out_shaper_->enter(n, now_);
        if (n < bytes.size()) {
            return;
        }
    }
}

std::span<const std::byte> fault_application::begin_send() noexcept {
    pull_out();
    if (sending_ > 0 || refused_ || now_ < serving_at_ || cut() == shaper_cut::stall ||
        turn_spent()) {
        return {};
    }
    if (!out_shaper_) {
        const auto bytes = inner_->begin_send();
        sending_ = bytes.size();
        return bytes;
    }
    if (out_.empty()) {
        return {};
    }
    const auto want = std::min(out_shaper_->ready(now_), out_.front()->size());
    const auto n = out_shaper_->start(want, now_);
    sending_ = n;
    return out_.front()->payload().first(n);
}

void fault_application::on_sent(std::size_t n, time_ns now) noexcept {
    now_ = now;
    sending_ = 0;
    sent_ += n;
    spend(n);
    if (out_shaper_) {
        out_shaper_->left(n, now);
        out_.consume_front(n);
        if (out_.front()->size() == 0) {
            (void)out_.pop_front();
        }
        report_delayed();
    } else {
        inner_->on_sent(n, now);
    }
    follow();
    deliver_in();
}

bool fault_application::wants_input() const noexcept {
    if (refused_ || peer_eof_) {
        return false;
    }
    // A stall reads on and drops what comes (on_received), with no bound to fill: a
    // client's EOF or reset is then seen however much it sent before leaving.
    if (cut() == shaper_cut::stall) {
        return true;
    }
    if (in_.count() >= max_chunks_ ||
        (in_shaper_ && in_shaper_->full())) {
        return false;
    }
    if (!serving()) {
        return true;  // held in in_, so the client's leaving is seen (accept_delay)
    }
    if (out_shaper_ && (out_.count() >= max_chunks_ || out_shaper_->full())) {
        return false;
    }
    return in_.empty() ? inner_->wants_input() : true;
}

bool fault_application::finished() const noexcept {
    if (refused_) {
        return true;
    }
    switch (cut()) {
        case shaper_cut::close:
        case shaper_cut::reset:
            // The echo's cut ends it at once; the input's once the application has
            // answered what came before it.
            return sending_ == 0 && (out_shaper_ || (inner_told_eof_ && inner_->finished()));
        case shaper_cut::stall:
            // Nothing more can leave, and the client has gone.
            return peer_eof_ && sending_ == 0 && cut_shaper().stalls_for_ever();
        case shaper_cut::none:
            break;
    }
    const bool slow_close_over = !peer_eof_ || now_ >= eof_at_ + faults_->slow_close.count();
    return inner_->finished() && out_.empty() && in_.empty() && sending_ == 0 && slow_close_over;
}

bool fault_application::resets() const noexcept { return !refused_ && cut() == shaper_cut::reset; }

std::optional<time_ns> fault_application::wake_at() const noexcept {
    std::optional<time_ns> at;
    const auto consider = [&at](std::optional<time_ns> t) {
        if (t && (!at || *t < *at)) {
            at = t;
        }
    };
    if (refused_) {
        consider(opened_);
    } else if (now_ < serving_at_) {
        consider(serving_at_);
    } else {
        consider(inner_->wake_at());
        if (turn_spent()) {
            consider(spent_at_);
        }
        // While a send is in flight its completion brings the next release.
        if (out_shaper_ && (sending_ == 0 || cut() != shaper_cut::none)) {
            consider(out_shaper_->wake_at());
        }
        if (in_shaper_ && !in_.empty()) {
            consider(in_shaper_->wake_at());
        }
        if (in_shaper_ && !out_shaper_ && cut() == shaper_cut::stall) {
            consider(in_shaper_->wake_at());
        }
        const bool slow_close = peer_eof_ && faults_->slow_close.count() > 0;
        if (slow_close && inner_->finished()) {
            consider(eof_at_ + faults_->slow_close.count());
        }
        // On a grid, so the worker's timer moves once per kFollowNs, not per event.
        // A send in flight brings a change itself, when it completes.
        const bool holds = (!out_.empty() && sending_ == 0) || (in_shaper_ && !in_.empty());
        if (cut() == shaper_cut::none && (holds || slow_close)) {
            const time_ns into = ((now_ - follow_phase_) % kFollowNs + kFollowNs) % kFollowNs;
            consider(now_ - into + kFollowNs);
        }
    }
    // Never at or before the time already seen: the worker runs every timer due,
    // and one that let nothing out would run again in the same turn.
    if (at && *at <= now_) {
        at = now_ + 1;
    }
    return at;
}

std::size_t fault_application::held_chunks() const noexcept {
    // During a stall what it holds can no longer grow (what it reads is dropped), and
    // the worker, which stops reading at its bound, must read on to see the client leave.
    if (cut() == shaper_cut::stall) {
        return 0;
    }
    return inner_->held_chunks() + in_.count() + out_.count();
}

std::uint64_t fault_application::bytes_received() const noexcept {
    return inner_->bytes_received() + in_.bytes();
}

std::string_view fault_application::failure() const noexcept {
    if (refused_) {
        return "fault_refuse";
    }
    switch (cut()) {
        case shaper_cut::close:
            return cut_shaper().cut_kind() == shaper_cut::stall
                       ? "fault_stall"
                       : "fault_close_after";
        case shaper_cut::reset:
            return "fault_reset_after";
        case shaper_cut::stall:
        case shaper_cut::none:
            break;
    }
    return inner_->failure();
}

fault_application_factory::fault_application_factory(
    std::shared_ptr<const application_factory> inner,
    std::shared_ptr<const core::stream_faults> faults)
    : inner_(std::move(inner)),
      live_(std::make_shared<live_stream_faults>(std::move(faults))),
      tallies_(std::make_shared<fault_tallies>()) {}

std::unique_ptr<application> fault_application_factory::make(const app_context& context) const
    noexcept {
    auto spec = live_->current();
    auto inner = inner_->make(context);
    if (!inner || !spec.faults->any()) {
        return inner;
    }
    const auto& f = *spec.faults;
    core::fault_random pick{core::connection_seed(f.seed, made_.fetch_add(1))};
    if (pick.uniform() >= f.toxicity) {
        return inner;
    }
    const bool refused = pick.uniform() < f.refuse;
    using k = fault_tallies::kind;
    for (const auto& [on, kind] :
         {std::pair{f.delay.count() > 0, k::delay}, std::pair{f.jitter.count() > 0, k::jitter},
          std::pair{f.rate > 0 || f.rate_total > 0, k::rate},
          std::pair{f.slice_average > 0, k::slice},
          std::pair{f.close_after.has_value(), k::close_after},
          std::pair{f.reset_after.has_value(), k::reset_after},
          std::pair{f.stall_after.has_value(), k::stall},
          std::pair{f.slow_close.count() > 0, k::slow_close},
          std::pair{f.accept_delay.count() > 0, k::accept_delay}, std::pair{refused, k::refuse}}) {
        if (on) {
            tallies_->faulted(kind);
        }
    }
    const auto seed = pick.next();
    return std::unique_ptr<application>{new (std::nothrow) fault_application(
        std::move(inner), live_, std::move(spec), seed, refused, context, tallies_)};
}

}  // namespace echo::pipeline
