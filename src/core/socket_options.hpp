// The socket options a --listen URL may set (socat's names), parsed and checked
// against the kernel's ranges without touching a socket; net/socket_options applies them.
#pragma once

#include "core/transport.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace echo::core {

// TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT (with SO_KEEPALIVE on).
struct keepalive_times {
    int idle = 0;      // seconds, 1-32767
    int interval = 0;  // seconds, 1-32767
    int count = 0;     // probes, 1-127
};

// Each field is the option's value when the URL set it; which transports take which
// key is in the table of socket_options.cpp.
struct socket_options {
    bool nodelay = true;                       // tcp: TCP_NODELAY on accepted connections
    std::optional<keepalive_times> keepalive;  // tcp
    std::optional<int> sndbuf;                 // tcp, udp: SO_SNDBUF bytes (the kernel doubles it)
    std::optional<int> rcvbuf;                 // tcp, udp: SO_RCVBUF bytes (likewise)
    std::optional<int> tos;                    // tcp, udp: IP_TOS / IPV6_TCLASS byte
    std::optional<int> dscp;                   // tcp, udp: the same byte's top six bits
    std::optional<int> mss;                    // tcp: TCP_MAXSEG, advertised in the SYN-ACK
    std::string cc;                            // tcp: TCP_CONGESTION name, "" = the default
    std::optional<int> fastopen;               // tcp: TCP_FASTOPEN queue length
    std::optional<int> defer_accept;           // tcp: TCP_DEFER_ACCEPT seconds
    std::optional<int> user_timeout;           // tcp: TCP_USER_TIMEOUT milliseconds
    std::optional<std::uint32_t> mark;         // tcp, udp: SO_MARK
    std::optional<bool> freebind;              // tcp, udp: IP_FREEBIND / IPV6_FREEBIND

    // The IP_TOS / IPV6_TCLASS byte, from tos= or dscp=, if either was given.
    [[nodiscard]] std::optional<int> traffic_class() const;

    // Takes one key=value of a `kind` listener. Returns why it was refused: a value
    // out of range, tos= beside dscp=, or (for any other key) "unknown option 'KEY'
    // for this kind of listener". The URL is the caller's to name.
    [[nodiscard]] std::optional<std::string> set(transport kind, std::string_view key,
                                                 std::string_view value);
};

// The ranges set() accepts, for tests and the fuzz target's property checks.
inline constexpr int kMinSocketBuffer = 1024;
inline constexpr int kMaxSocketBuffer = 1 << 30;
inline constexpr int kMinMss = 88;       // the kernel's TCP_MIN_MSS
inline constexpr int kMaxMss = 32767;    // the kernel's MAX_TCP_WINDOW, its TCP_MAXSEG bound
inline constexpr std::size_t kMaxCongestionName = 15;  // TCP_CA_NAME_MAX less the NUL

}  // namespace echo::core
