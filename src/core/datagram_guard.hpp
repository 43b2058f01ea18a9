// Which UDP datagrams an echo server must not answer (CERT CA-1996-01): replies to
// port 0 or to other "small services" (echo, daytime, qotd, chargen, time) would
// start an endless loop between two servers; a per-source token bucket keeps one
// source from turning the server into an amplifier. Pure logic, bounded memory.
#pragma once

#include "core/keyed_hash.hpp"
#include "core/peer_address.hpp"
#include "core/token_bucket.hpp"

#include <array>
#include <bit>
#include <bitset>
#include <cstdint>
#include <optional>
#include <vector>

namespace echo::core {

enum class datagram_verdict : std::uint8_t {
    echo,
    source_port_zero,
    denied_port,
    rate_limited,
};
inline constexpr std::size_t kDatagramVerdicts = 4;

// The small services that answer whatever they receive.
inline constexpr std::array<std::uint16_t, 5> kReflectingPorts{7, 13, 17, 19, 37};

struct datagram_guard_options {
    std::vector<std::uint16_t> extra_denied_ports;  // on top of kReflectingPorts
    double rate_per_source = 0;                     // datagrams/s; 0 = unlimited
    double burst = 0;                               // bucket size; 0 = one second's worth
    std::optional<hash_key> seed;                   // none: a random one (tests fix it)
};

// One per event loop; not thread-safe.
class datagram_guard {
public:
    // Table size, probe window and overflow buckets. What one source can hold: one
    // entry. A new source takes an entry in its window only if it is free or its
    // bucket has refilled to the full burst (evicting it forgives nothing); when all
    // kProbes are held by sources still spending, the newcomer is charged to one of
    // kOverflowBuckets shared buckets, chosen by bits of the keyed hash the table
    // index does not use. So one source gets its rate and burst; sources beyond the
    // table together get at most kOverflowBuckets sources' rate and burst; and a
    // spilled crowd, which cannot aim at a bucket without the key, drains only the
    // buckets it hashes to, not every newcomer's (with one bucket, 32 spilled
    // sources at twice the rate left newcomers 0 of 8). What is left: enough sources
    // sending at the limit (some 1,600 spilled ones reach all 256 buckets) empty
    // every overflow bucket, spoofed or not; the limit is then a global one on
    // unknown sources, (kEntries + kOverflowBuckets) x rate per loop, which is what
    // bounds amplification, and each source, honest or not, gets its share of it.
    static constexpr std::size_t kEntries = 4096;
    static constexpr std::size_t kProbes = 8;
    static constexpr std::size_t kOverflowBuckets = 256;

    explicit datagram_guard(const datagram_guard_options& options);

    // `now_ns` is a monotonic time.
    [[nodiscard]] datagram_verdict judge(std::uint16_t source_port, const peer_address& source,
                                         std::int64_t now_ns) noexcept;

    // Where `source`'s probe window starts (for tests that need collisions).
    [[nodiscard]] std::size_t home_of(const peer_address& source) const noexcept {
        return home_in(keyed_hash(key_, source.bytes));
    }
    // Which overflow bucket `source` is charged to when its window is held: the
    // hash's top bits, independent of the index bits under SipHash.
    [[nodiscard]] std::size_t overflow_of(const peer_address& source) const noexcept {
        return overflow_in(keyed_hash(key_, source.bytes));
    }

private:
    static constexpr int kOverflowShift = 64 - std::bit_width(kOverflowBuckets - 1);
    [[nodiscard]] static std::size_t home_in(std::uint64_t hash) noexcept {
        return hash & (kEntries - 1);
    }
    [[nodiscard]] static std::size_t overflow_in(std::uint64_t hash) noexcept {
        return hash >> kOverflowShift;
    }

    struct entry {
        peer_address source;
        bool used = false;
        token_bucket tokens;
    };
    token_bucket& bucket_of(const peer_address& source, std::int64_t now_ns) noexcept;

    std::bitset<65536> denied_;
    double rate_;
    double burst_;
    hash_key key_;
    std::vector<entry> entries_;          // empty when unlimited
    std::vector<token_bucket> overflow_;  // kOverflowBuckets, or empty when unlimited
};

}  // namespace echo::core
