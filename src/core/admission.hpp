// Whether a freshly accepted connection may stay: the accept-rate bucket, the global
// count and the per-address count. Pure bookkeeping; the caller serialises access.
#pragma once

#include "core/connection_limits.hpp"
#include "core/keyed_hash.hpp"
#include "core/peer_address.hpp"
#include "core/token_bucket.hpp"

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace echo::core {

class admission {
public:
    // `seed` keys the per-address table's hash; none draws a random one.
    explicit admission(const connection_limits& limits, std::optional<hash_key> seed = {});

    // `peer` is the client's address (none for Unix peers); IPv6 peers are counted
    // by their limits.ipv6_prefix_len network. Admitted connections are counted
    // open until release().
    [[nodiscard]] std::optional<refusal> admit(const std::optional<peer_address>& peer,
                                               std::int64_t now_ns);
    void release(const std::optional<peer_address>& peer) noexcept;
    // For a connection admitted without an address because its client was to be
    // named later (a PROXY header): counts it under `peer` now. Refused, it stays
    // counted without an address, and is released so.
    [[nodiscard]] std::optional<refusal> admit_address(const peer_address& peer);

    [[nodiscard]] std::uint64_t open() const noexcept { return open_; }
    [[nodiscard]] std::size_t addresses() const noexcept { return per_address_.size(); }

private:
    struct keyed_hasher {
        hash_key key;
        std::size_t operator()(const peer_address& a) const noexcept {
            return keyed_hash(key, a.bytes);
        }
    };
    [[nodiscard]] peer_address counted_as(const peer_address& peer) const noexcept {
        return peer.ipv6_prefix(limits_.ipv6_prefix_len);
    }

    connection_limits limits_;
    double burst_;
    token_bucket accepts_;
    std::uint64_t open_ = 0;
    // Only addresses with open connections, so its size is bounded by the open
    // connections (and max_connections). What one peer holds: one entry and at most
    // max_connections_per_ip of the count. The hash is keyed with a secret seed, so
    // a peer cannot choose addresses that pile into one bucket and slow every
    // other client's accept, which runs under the gate's lock.
    std::unordered_map<peer_address, std::uint32_t, keyed_hasher> per_address_;
};

}  // namespace echo::core
