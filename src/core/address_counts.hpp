// How many of something each peer address holds (connections still in their
// handshake, say), with a cap per address. Only addresses with a count are kept,
// so the table is bounded by what is counted; its hash is keyed with a secret so a
// peer cannot pick addresses that collide and slow everyone's lookups.
#pragma once

#include "core/keyed_hash.hpp"
#include "core/peer_address.hpp"

#include <cstdint>
#include <unordered_map>

namespace echo::core {

class address_counts {
public:
    address_counts() : counts_(0, hasher{hash_key::random()}) {}

    // Counts one more for `a` unless it holds `cap` already (0: no cap).
    [[nodiscard]] bool try_add(const peer_address& a, std::uint32_t cap) {
        auto& n = counts_[a];
        if (cap > 0 && n >= cap) {
            if (n == 0) {
                counts_.erase(a);
            }
            return false;
        }
        ++n;
        return true;
    }
    void remove(const peer_address& a) noexcept {
        const auto it = counts_.find(a);
        if (it != counts_.end() && --it->second == 0) {
            counts_.erase(it);
        }
    }
    [[nodiscard]] std::uint32_t count(const peer_address& a) const noexcept {
        const auto it = counts_.find(a);
        return it == counts_.end() ? 0 : it->second;
    }
    [[nodiscard]] std::size_t addresses() const noexcept { return counts_.size(); }

private:
    struct hasher {
        hash_key key;
        std::size_t operator()(const peer_address& a) const noexcept { return keyed_hash(key, a.bytes); }
    };
    std::unordered_map<peer_address, std::uint32_t, hasher> counts_;
};

}  // namespace echo::core
