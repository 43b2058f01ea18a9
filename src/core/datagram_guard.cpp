// A bucket belongs to the last source hashed to it; a new source takes it over
// with a full bucket. Memory stays fixed however many sources there are, at the
// price of being lenient to a source that collides with a busy one.
#include "core/datagram_guard.hpp"

#include <algorithm>

namespace echo::core {

datagram_guard::datagram_guard(const datagram_guard_options& options)
    : rate_(options.rate_per_source),
      burst_(options.burst > 0 ? options.burst : std::max(1.0, options.rate_per_source)) {
    for (auto port : kReflectingPorts) {
        denied_.set(port);
    }
    for (auto port : options.extra_denied_ports) {
        denied_.set(port);
    }
    if (rate_ > 0) {
        buckets_.resize(kBuckets);
    }
}

datagram_verdict datagram_guard::judge(std::uint16_t source_port, std::uint64_t source_key,
                                       std::int64_t now_ns) noexcept {
    if (source_port == 0) {
        return datagram_verdict::source_port_zero;
    }
    if (denied_.test(source_port)) {
        return datagram_verdict::denied_port;
    }
    if (buckets_.empty()) {
        return datagram_verdict::echo;
    }
    bucket& b = buckets_[source_key % kBuckets];
    if (b.key != source_key || !b.used) {
        b = bucket{source_key, true, token_bucket{burst_, now_ns}};
    }
    return b.tokens.take(rate_, burst_, now_ns) ? datagram_verdict::echo
                                                : datagram_verdict::rate_limited;
}

}  // namespace echo::core
