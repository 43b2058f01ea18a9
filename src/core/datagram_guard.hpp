// Which UDP datagrams an echo server must not answer (CERT CA-1996-01): replies to
// port 0 or to other "small services" (echo, daytime, qotd, chargen, time) would
// start an endless loop between two servers; a per-source token bucket keeps one
// source from turning the server into an amplifier. Pure logic, bounded memory.
#pragma once

#include "core/keyed_hash.hpp"
#include "core/peer_address.hpp"
#include "core/token_bucket.hpp"

#include <array>
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
    // Table size and probe window. What one source can hold: one entry. A new
    // source takes an entry in its window only if it is free or its bucket has
    // refilled to the full burst (evicting it forgives nothing); when all kProbes
    // are held by sources still spending, the newcomer is charged to one shared
    // overflow bucket, so sources beyond the table together get at most one
    // source's rate and burst, and the sources in the table keep their own.
    static constexpr std::size_t kEntries = 4096;
    static constexpr std::size_t kProbes = 8;

    explicit datagram_guard(const datagram_guard_options& options);

    // `now_ns` is a monotonic time.
    [[nodiscard]] datagram_verdict judge(std::uint16_t source_port, const peer_address& source,
                                         std::int64_t now_ns) noexcept;

    // Where `source`'s probe window starts (for tests that need collisions).
    [[nodiscard]] std::size_t home_of(const peer_address& source) const noexcept {
        return keyed_hash(key_, source.bytes) & (kEntries - 1);
    }

private:
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
    std::vector<entry> entries_;  // empty when unlimited
    token_bucket overflow_;
};

}  // namespace echo::core
