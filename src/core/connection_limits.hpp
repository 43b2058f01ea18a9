// The limits an operator may put on connections (all off by default), and the
// reasons a connection is refused or closed, named once for logs and metrics.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace echo::core {

struct connection_limits {
    std::uint64_t max_connections = 0;         // open at once, all listeners; 0 = no limit
    std::uint64_t max_connections_per_ip = 0;  // open at once from one address
    unsigned ipv6_prefix_len = 64;  // per-IP limits count IPv6 peers by this network (1..128)
    double max_accept_rate = 0;                // new connections/s, token bucket; 0 = no limit
    std::chrono::duration<double> idle_timeout{0};  // no traffic either way; 0 = never
    std::chrono::duration<double> max_lifetime{0};  // from accept; 0 = never
    std::uint64_t max_connection_bytes = 0;         // received from the peer; 0 = no limit

    [[nodiscard]] bool gates_admission() const noexcept {
        return max_connections > 0 || max_connections_per_ip > 0 || max_accept_rate > 0;
    }
};

enum class refusal : std::uint8_t {
    max_connections,
    max_connections_per_ip,
    accept_rate,
    handshakes_per_ip,  // a listener's cap on one address's connections still opening
};
inline constexpr std::size_t kRefusals = 4;

enum class close_reason : std::uint8_t {
    peer_closed,
    reset,
    peer_stopped_reading,
    timed_out,
    socket_error,
    drain_timeout,
    idle_timeout,
    max_lifetime,
    max_connection_bytes,
    stage_failed,   // a protocol stage (TLS) gave up: bad handshake, bad record
    stage_timeout,  // the stages were not open in time (handshake_timeout)
    app_closed,     // the application ended it: HTTP Connection: close, a limit
};
inline constexpr std::size_t kCloseReasons = 12;

// Stable snake_case names: metric label values and JSON log `reason`s.
[[nodiscard]] constexpr const char* name_of(refusal r) noexcept {
    constexpr const char* names[kRefusals] = {"max_connections", "max_connections_per_ip",
                                              "accept_rate", "handshakes_per_ip"};
    return names[static_cast<std::size_t>(r)];
}
[[nodiscard]] constexpr const char* name_of(close_reason r) noexcept {
    constexpr const char* names[kCloseReasons] = {
        "peer_closed",   "reset",        "peer_stopped_reading",
        "timed_out",     "socket_error", "drain_timeout",
        "idle_timeout",  "max_lifetime", "max_connection_bytes",
        "stage_failed",  "stage_timeout", "app_closed"};
    return names[static_cast<std::size_t>(r)];
}
// Whether the close was the network's or the peer's fault rather than a normal end.
[[nodiscard]] constexpr bool is_error(close_reason r) noexcept {
    return r == close_reason::reset || r == close_reason::peer_stopped_reading ||
           r == close_reason::timed_out || r == close_reason::socket_error;
}

}  // namespace echo::core
