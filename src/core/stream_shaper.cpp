// The order rule: a batch never leaves before the one ahead of it, so jitter
// spreads latencies without reordering bytes, as a real link's queue does.
#include "core/stream_shaper.hpp"

#include <algorithm>
#include <cmath>

namespace echo::core {

std::uint64_t connection_seed(std::uint64_t seed, std::uint64_t n) noexcept {
    fault_random mix{seed ^ (n * 0xd1b54a32d192ed03ULL)};
    return mix.next();
}

stream_shaper::stream_shaper(const stream_faults& faults, bool counts_cuts, std::uint64_t seed,
                             time_ns now, shared_rate* total) noexcept
    : faults_(faults), total_(total), random_(seed), refilled_(now), slice_opens_(now) {
    faults_.rate = 0;  // from no cap: a bucket that starts with one quantum
    set_rate(faults.rate);
    if (faults_.slice_average > 0) {
        slice_left_ = next_slice();
    }
    if (counts_cuts) {
        // close_after and reset_after are never both set; a stall set lower comes first.
        const auto end = faults_.close_after ? faults_.close_after : faults_.reset_after;
        if (end) {
            cut_at_ = *end;
            cut_kind_ = faults_.close_after ? shaper_cut::close : shaper_cut::reset;
        }
        if (faults_.stall_after && (!end || *faults_.stall_after < *end)) {
            cut_at_ = *faults_.stall_after;
            cut_kind_ = shaper_cut::stall;
        }
        if (cut_kind_ != shaper_cut::none && cut_at_ == 0) {
            cut_reached_ = true;
            cut_time_ = now;
        }
    }
}

stream_shaper::time_ns stream_shaper::jitter_sample() noexcept {
    const double j = static_cast<double>(faults_.jitter.count());
    if (j <= 0) {
        return 0;
    }
    double x = 0;
    switch (faults_.jitter_dist) {
        case jitter_distribution::uniform:
            x = random_.uniform() * j;
            break;
        case jitter_distribution::normal: {
            // Box-Muller; 1 - u keeps the logarithm finite.
            const double r = std::sqrt(-2 * std::log(1 - random_.uniform()));
            const double z = r * std::cos(2 * M_PI * random_.uniform());
            x = std::clamp(j / 2 + z * j / 6, 0.0, j);
            break;
        }
        case jitter_distribution::pareto:
            // Lomax with shape 3 and scale j: mean j/2, cut at 10 j.
            x = std::min(10 * j, j * (std::pow(1 - random_.uniform(), -1.0 / 3) - 1));
            break;
    }
    return static_cast<time_ns>(x);
}

void stream_shaper::set_rate(std::uint64_t rate) noexcept {
    const bool was_capped = faults_.rate > 0;
    faults_.rate = rate;
    if (rate == 0) {
        tokens_ = burst_ = quantum_ = 0;
        return;
    }
    quantum_ = std::max(1.0, std::floor(static_cast<double>(rate) / 100));
    burst_ = std::max(quantum_, static_cast<double>(rate) / 4);
    tokens_ = was_capped ? std::min(tokens_, burst_) : quantum_;
}

void stream_shaper::adopt(const stream_faults& faults, time_ns now, shared_rate* total) noexcept {
    total_ = total;
    if (faults.rate != faults_.rate) {
        refill(now);      // what the old rate owes up to now
        refilled_ = now;  // and a cap that was not there credits nothing before it
        set_rate(faults.rate);
    }
    const bool sliced = faults_.slice_average > 0;
    if (faults.slice_average != faults_.slice_average ||
        faults.slice_variation != faults_.slice_variation ||
        faults.slice_gap != faults_.slice_gap) {
        faults_.slice_average = faults.slice_average;
        faults_.slice_variation = faults.slice_variation;
        faults_.slice_gap = faults.slice_gap;
        slice_left_ = faults_.slice_average > 0 ? next_slice() : 0;
        slice_opens_ = sliced ? now + faults_.slice_gap.count() : now;
    }
    if (faults.delay != faults_.delay || faults.jitter != faults_.jitter ||
        faults.jitter_dist != faults_.jitter_dist) {
        faults_.delay = faults.delay;
        faults_.jitter = faults.jitter;
        faults_.jitter_dist = faults.jitter_dist;
        time_ns ahead = 0;
        for (auto& b : batches_) {
            b.release = delays() ? std::max(ahead, b.arrival + faults_.delay.count() +
                                                       jitter_sample())
                                 : 0;
            ahead = b.release;
        }
        if (!batches_.empty()) {
            last_release_ = ahead;
        }
    }
}

std::uint64_t stream_shaper::next_slice() noexcept {
    const std::uint64_t spread = 2 * std::uint64_t{faults_.slice_variation} + 1;
    return faults_.slice_average - faults_.slice_variation + random_.next() % spread;
}

void stream_shaper::enter(std::size_t n, time_ns arrival) {
    if (n == 0) {
        return;
    }
    // Without delay every byte is due at once: one batch is enough.
    const time_ns release =
        delays() ? std::max(last_release_, arrival + faults_.delay.count() + jitter_sample()) : 0;
    last_release_ = release;
    held_ += n;
    if (!batches_.empty() && (batches_.back().release >= release || full())) {
        auto& back = batches_.back();
        back.release = std::max(back.release, release);
        back.arrival = arrival;
        back.bytes += n;
        return;
    }
    batches_.push_back({release, arrival, n});
}

void stream_shaper::refill(time_ns now) noexcept {
    if (faults_.rate > 0 && now > refilled_) {
        tokens_ = std::min(burst_, tokens_ + static_cast<double>(now - refilled_) *
                                                 static_cast<double>(faults_.rate) / 1e9);
        refilled_ = now;
    }
}

std::size_t stream_shaper::ready(time_ns now) noexcept {
    if (cut_reached_) {
        return 0;
    }
    std::uint64_t due = 0;
    for (const auto& b : batches_) {
        if (b.release > now) {
            break;
        }
        due += b.bytes;
    }
    if (faults_.rate > 0) {
        refill(now);
        // Below zero after adopt() cut the burst under bytes already promised.
        due = std::min(due, static_cast<std::uint64_t>(std::max(tokens_, 0.0)));
    }
    if (faults_.slice_average > 0) {
        due = now < slice_opens_ ? 0 : std::min(due, slice_left_);
    }
    if (total_ != nullptr && due > 0) {
        due = std::min(due, total_->available(now));
    }
    if (cut_kind_ != shaper_cut::none) {
        due = std::min(due, cut_at_ - shaped_);
    }
    return static_cast<std::size_t>(due);
}

std::size_t stream_shaper::start(std::size_t n, time_ns now) noexcept {
    if (total_ != nullptr && n > 0) {
        n = static_cast<std::size_t>(total_->take_up_to(n, now));
        started_ = n;
    }
    return n;
}

void stream_shaper::left(std::size_t n, time_ns now) noexcept {
    held_ -= n;
    shaped_ += n;
    for (std::uint64_t rest = n; rest > 0;) {
        auto& front = batches_.front();
        const auto take = std::min(rest, front.bytes);
        if (front.release > front.arrival) {
            delayed_ += take;
        }
        front.bytes -= take;
        rest -= take;
        if (front.bytes == 0) {
            batches_.pop_front();
        }
    }
    if (faults_.rate > 0) {
        refill(now);
        tokens_ -= static_cast<double>(n);
    }
    if (total_ != nullptr) {
        if (n > started_) {
            total_->take(n - started_, now);
        } else if (n < started_) {
            total_->give_back(started_ - n);
        }
        started_ = 0;
    }
    if (faults_.slice_average > 0) {
        slice_left_ -= std::min<std::uint64_t>(n, slice_left_);
        if (slice_left_ == 0) {
            slice_left_ = next_slice();
            slice_opens_ = now + faults_.slice_gap.count();
        }
    }
    if (cut_kind_ != shaper_cut::none && shaped_ >= cut_at_) {
        cut_reached_ = true;
        cut_time_ = now;
    }
}

std::optional<stream_shaper::time_ns> stream_shaper::wake_at() const noexcept {
    if (cut_reached_) {
        if (cut_kind_ == shaper_cut::stall && faults_.stall_for.count() > 0) {
            return cut_time_ + faults_.stall_for.count();
        }
        return std::nullopt;
    }
    if (batches_.empty()) {
        return std::nullopt;
    }
    time_ns at = batches_.front().release;
    if (faults_.rate > 0) {
        // When the bucket holds what is due, or a quantum: rounded up, so that
        // ready() then returns at least one byte.
        const double need = std::min(static_cast<double>(held_), quantum_);
        if (tokens_ < need) {
            const double wait_ns = (need - tokens_) * 1e9 / static_cast<double>(faults_.rate);
            at = std::max(at, refilled_ + static_cast<time_ns>(std::ceil(wait_ns)) + 1);
        }
    }
    if (faults_.slice_average > 0) {
        at = std::max(at, slice_opens_);
    }
    if (total_ != nullptr) {
        at = std::max(at, total_->next_free());
    }
    return at;
}

shaper_cut stream_shaper::cut(time_ns now) const noexcept {
    if (!cut_reached_) {
        return shaper_cut::none;
    }
    if (cut_kind_ == shaper_cut::stall && faults_.stall_for.count() > 0 &&
        now >= cut_time_ + faults_.stall_for.count()) {
        return shaper_cut::close;
    }
    return cut_kind_;
}

}  // namespace echo::core
