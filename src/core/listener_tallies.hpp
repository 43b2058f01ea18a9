// Every count a listener keeps, in one flat array: the workers' live atomic copies
// and the plain snapshots that metrics and the exit report read share one layout.
#pragma once

#include "core/connection_limits.hpp"
#include "core/datagram_guard.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace echo::core {

// Why a datagram was not echoed: the guard's verdicts, then a full send buffer,
// then a full hold (the loop's delayed datagrams at their cap), then a full line
// (rate=: it would wait over datagram_fault_dice::kMaxLineWaitNs).
enum class datagram_drop : std::uint8_t {
    source_port_zero,
    denied_port,
    rate_limited,
    send_buffer_full,
    hold_full,
    line_full
};
inline constexpr std::size_t kDatagramDrops = 6;
[[nodiscard]] constexpr datagram_drop drop_of(datagram_verdict v) noexcept {
    return static_cast<datagram_drop>(static_cast<std::size_t>(v) - 1);  // echo is first
}
[[nodiscard]] constexpr const char* name_of(datagram_drop d) noexcept {
    constexpr const char* names[kDatagramDrops] = {"source_port_zero", "denied_port",
                                                   "rate_limited", "send_buffer_full",
                                                   "hold_full",        "line_full"};
    return names[static_cast<std::size_t>(d)];
}

// What a udp listener's faults did to a datagram (one datagram may count in several).
enum class datagram_fault : std::uint8_t { dropped, duplicated, reordered, corrupted, delayed };
inline constexpr std::size_t kDatagramFaults = 5;
[[nodiscard]] constexpr const char* name_of(datagram_fault f) noexcept {
    constexpr const char* names[kDatagramFaults] = {"dropped", "duplicated", "reordered",
                                                    "corrupted", "delayed"};
    return names[static_cast<std::size_t>(f)];
}

enum class accept_error : std::uint8_t { emfile, enfile, no_memory, other };
inline constexpr std::size_t kAcceptErrors = 4;
[[nodiscard]] constexpr const char* name_of(accept_error e) noexcept {
    constexpr const char* names[kAcceptErrors] = {"accept_emfile", "accept_enfile",
                                                  "accept_no_memory", "accept_other"};
    return names[static_cast<std::size_t>(e)];
}

namespace tally {
inline constexpr std::size_t accepted = 0;  // by the kernel, refused ones included
inline constexpr std::size_t bytes_in = 1;
inline constexpr std::size_t bytes_out = 2;
inline constexpr std::size_t messages_in = 3;   // reads with data / datagrams received
inline constexpr std::size_t messages_out = 4;  // completed sends / datagrams echoed
inline constexpr std::size_t kRefusedBase = 5;
inline constexpr std::size_t kClosedBase = kRefusedBase + kRefusals;
inline constexpr std::size_t kDroppedBase = kClosedBase + kCloseReasons;
inline constexpr std::size_t kAcceptErrorBase = kDroppedBase + kDatagramDrops;
inline constexpr std::size_t kFaultedBase = kAcceptErrorBase + kAcceptErrors;
// Datagram bytes a udp listener's faults kept from the echo: drop=, hold_full, line_full.
inline constexpr std::size_t fault_bytes_dropped = kFaultedBase + kDatagramFaults;
inline constexpr std::size_t kCount = fault_bytes_dropped + 1;

[[nodiscard]] constexpr std::size_t refused(refusal r) noexcept {
    return kRefusedBase + static_cast<std::size_t>(r);
}
[[nodiscard]] constexpr std::size_t closed(close_reason r) noexcept {
    return kClosedBase + static_cast<std::size_t>(r);
}
[[nodiscard]] constexpr std::size_t dropped(datagram_drop d) noexcept {
    return kDroppedBase + static_cast<std::size_t>(d);
}
[[nodiscard]] constexpr std::size_t failed_accept(accept_error e) noexcept {
    return kAcceptErrorBase + static_cast<std::size_t>(e);
}
[[nodiscard]] constexpr std::size_t faulted(datagram_fault f) noexcept {
    return kFaultedBase + static_cast<std::size_t>(f);
}
}  // namespace tally

using listener_tallies = std::array<std::uint64_t, tally::kCount>;

[[nodiscard]] inline std::uint64_t sum(const listener_tallies& t, std::size_t base,
                                       std::size_t n) noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < n; ++i) {
        total += t[base + i];
    }
    return total;
}

// Connections of this listener open now: accepted, not refused, not yet closed.
// Clamped: a snapshot taken while a worker counts may see a close before its accept.
[[nodiscard]] inline std::uint64_t open_connections(const listener_tallies& t) noexcept {
    const std::uint64_t gone =
        sum(t, tally::kRefusedBase, kRefusals) + sum(t, tally::kClosedBase, kCloseReasons);
    return t[tally::accepted] > gone ? t[tally::accepted] - gone : 0;
}

}  // namespace echo::core
