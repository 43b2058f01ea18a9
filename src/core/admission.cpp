// Checks run cheapest and broadest first; the rate bucket is charged for every
// accepted socket, as xinetd's cps counts every connection it sees.
#include "core/admission.hpp"

#include <algorithm>

namespace echo::core {

admission::admission(const connection_limits& limits) noexcept
    : limits_(limits),
      burst_(std::max(1.0, limits.max_accept_rate)),
      accepts_(burst_, 0) {}

std::optional<refusal> admission::admit(std::optional<std::uint64_t> address_key,
                                        std::int64_t now_ns) {
    if (limits_.max_accept_rate > 0 && !accepts_.take(limits_.max_accept_rate, burst_, now_ns)) {
        return refusal::accept_rate;
    }
    if (limits_.max_connections > 0 && open_ >= limits_.max_connections) {
        return refusal::max_connections;
    }
    if (address_key && limits_.max_connections_per_ip > 0) {
        auto& count = per_address_[*address_key];
        if (count >= limits_.max_connections_per_ip) {
            return refusal::max_connections_per_ip;
        }
        ++count;
    }
    ++open_;
    return std::nullopt;
}

void admission::release(std::optional<std::uint64_t> address_key) noexcept {
    --open_;
    if (address_key && limits_.max_connections_per_ip > 0) {
        if (auto it = per_address_.find(*address_key); it != per_address_.end() && --it->second == 0) {
            per_address_.erase(it);
        }
    }
}

}  // namespace echo::core
