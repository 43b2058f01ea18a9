// Each fault draws from one splitmix64 per listener and loop, in a fixed order, so
// the fates depend only on the seed and the arrivals.
#include "core/datagram_fault_dice.hpp"

#include <algorithm>

namespace echo::core {

datagram_fault_dice::datagram_fault_dice(const datagram_faults& faults, std::uint64_t seed) noexcept
    : faults_(faults), random_(seed) {}

datagram_fate datagram_fault_dice::roll(std::uint32_t size, std::int64_t now_ns) noexcept {
    datagram_fate fate;
    line_before_last_ = line_free_at_;
    if (happens(faults_.drop)) {
        fate.drop = true;
        return fate;
    }
    if (happens(faults_.corrupt) && size > 0) {
        const auto bits = static_cast<double>(size) * 8;
        fate.flip_bit = static_cast<std::uint32_t>(std::min(uniform() * bits, bits - 1));
    }
    fate.twice = happens(faults_.dup);
    // netem's reorder: a fraction goes at once, the rest waits the delay (and jitter).
    std::int64_t hold = 0;
    fate.reordered = happens(faults_.reorder);
    if (!fate.reordered) {
        hold = faults_.delay.count();
        if (faults_.jitter.count() > 0) {
            const auto jitter = static_cast<double>(faults_.jitter.count());
            hold += static_cast<std::int64_t>(uniform() * jitter);
        }
    }
    fate.send_at = now_ns + hold;
    if (faults_.rate > 0) {
        // The line is busy until the datagrams before this one have left at `rate`.
        if (line_free_at_ - fate.send_at > kMaxLineWaitNs) {
            fate = datagram_fate{};
            fate.drop = fate.line_full = true;
            return fate;
        }
        fate.send_at = std::max(fate.send_at, line_free_at_);
        const auto copies = fate.twice ? 2.0 : 1.0;
        line_free_at_ = fate.send_at + static_cast<std::int64_t>(
                                           copies * size * 1e9 / static_cast<double>(faults_.rate));
    }
    return fate;
}

}  // namespace echo::core
