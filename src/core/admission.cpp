// Checks run cheapest and broadest first; the rate bucket is charged for every
// accepted socket, as xinetd's cps counts every connection it sees.
#include "core/admission.hpp"

#include <algorithm>

namespace echo::core {

admission::admission(const connection_limits& limits, std::optional<hash_key> seed)
    : limits_(limits),
      burst_(std::max(1.0, limits.max_accept_rate)),
      accepts_(burst_, 0),
      per_address_(0, keyed_hasher{seed ? *seed : hash_key::random()}) {}

std::optional<refusal> admission::admit(const std::optional<peer_address>& peer,
                                        std::int64_t now_ns) {
    if (limits_.max_accept_rate > 0 && !accepts_.take(limits_.max_accept_rate, burst_, now_ns)) {
        return refusal::accept_rate;
    }
    if (limits_.max_connections > 0 && open_ >= limits_.max_connections) {
        return refusal::max_connections;
    }
    if (peer) {
        if (auto r = admit_address(*peer)) {
            return r;
        }
    }
    ++open_;
    return std::nullopt;
}

std::optional<refusal> admission::admit_address(const peer_address& peer) {
    if (limits_.max_connections_per_ip > 0) {
        auto& count = per_address_[counted_as(peer)];
        if (count >= limits_.max_connections_per_ip) {
            return refusal::max_connections_per_ip;
        }
        ++count;
    }
    return std::nullopt;
}

void admission::release(const std::optional<peer_address>& peer) noexcept {
    --open_;
    if (peer && limits_.max_connections_per_ip > 0) {
        if (auto it = per_address_.find(counted_as(*peer));
            it != per_address_.end() && --it->second == 0) {
            per_address_.erase(it);
        }
    }
}

}  // namespace echo::core
