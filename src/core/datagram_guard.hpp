// Which UDP datagrams an echo server must not answer (CERT CA-1996-01): replies to
// port 0 or to other "small services" (echo, daytime, qotd, chargen, time) would
// start an endless loop between two servers; a per-source token bucket keeps one
// source from turning the server into an amplifier. Pure logic, bounded memory.
#pragma once

#include "core/token_bucket.hpp"

#include <array>
#include <bitset>
#include <cstdint>
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
};

class datagram_guard {
public:
    explicit datagram_guard(const datagram_guard_options& options);

    // `source_key` identifies the sender's address (a hash of it); `now_ns` is a
    // monotonic time.
    [[nodiscard]] datagram_verdict judge(std::uint16_t source_port, std::uint64_t source_key,
                                         std::int64_t now_ns) noexcept;

private:
    struct bucket {
        std::uint64_t key = 0;
        bool used = false;
        token_bucket tokens;
    };
    static constexpr std::size_t kBuckets = 4096;  // sources beyond share buckets

    std::bitset<65536> denied_;
    double rate_;
    double burst_;
    std::vector<bucket> buckets_;  // empty when unlimited
};

}  // namespace echo::core
