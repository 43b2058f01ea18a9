// The rate table is keyed on the exact source address and indexed by a keyed hash,
// so neither a neighbouring address nor a chosen one shares a victim's bucket; a
// collision never hands out a fresh bucket, and the overflow is split by the same
// hash so a crowd of spilled sources does not starve every newcomer (see the header).
#include "core/datagram_guard.hpp"

#include <algorithm>

namespace echo::core {

static_assert((datagram_guard::kEntries & (datagram_guard::kEntries - 1)) == 0,
              "the index is a mask");
static_assert((datagram_guard::kOverflowBuckets & (datagram_guard::kOverflowBuckets - 1)) == 0,
              "the overflow index is a mask");

datagram_guard::datagram_guard(const datagram_guard_options& options)
    : rate_(options.rate_per_source),
      burst_(options.burst > 0 ? options.burst : std::max(1.0, options.rate_per_source)),
      key_(options.seed ? *options.seed : hash_key::random()) {
    for (auto port : kReflectingPorts) {
        denied_.set(port);
    }
    for (auto port : options.extra_denied_ports) {
        denied_.set(port);
    }
    if (rate_ > 0) {
        entries_.resize(kEntries);
        overflow_.assign(kOverflowBuckets, token_bucket{burst_, 0});
    }
}

token_bucket& datagram_guard::bucket_of(const peer_address& source, std::int64_t now_ns) noexcept {
    const std::uint64_t hash = keyed_hash(key_, source.bytes);
    const std::size_t home = home_in(hash);
    entry* vacant = nullptr;
    for (std::size_t i = 0; i < kProbes; ++i) {
        entry& e = entries_[(home + i) & (kEntries - 1)];
        if (e.used && e.source == source) {
            return e.tokens;
        }
        if (vacant == nullptr && (!e.used || e.tokens.full(rate_, burst_, now_ns))) {
            vacant = &e;
        }
    }
    if (vacant == nullptr) {
        return overflow_[overflow_in(hash)];
    }
    *vacant = entry{source, true, token_bucket{burst_, now_ns}};
    return vacant->tokens;
}

datagram_verdict datagram_guard::judge(std::uint16_t source_port, const peer_address& source,
                                       std::int64_t now_ns) noexcept {
    if (source_port == 0) {
        return datagram_verdict::source_port_zero;
    }
    if (denied_.test(source_port)) {
        return datagram_verdict::denied_port;
    }
    if (entries_.empty()) {
        return datagram_verdict::echo;
    }
    return bucket_of(source, now_ns).take(rate_, burst_, now_ns) ? datagram_verdict::echo
                                                                  : datagram_verdict::rate_limited;
}

}  // namespace echo::core
