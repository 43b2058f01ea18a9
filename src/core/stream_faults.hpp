// What a stream listener (tcp, tls, unix, http, ws) is told to do wrong, from its
// URL keys: delay, jitter, rate, slicing, cuts, stalls, slow closes and refusals,
// on a seeded share of its connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace echo::core {

// Which bytes are shaped: out, the echo (the default); in, the client's bytes on
// their way to the application; or both.
enum class fault_direction : std::uint8_t { out, in, both };

// How jitter is drawn, always within [0, ceiling]: uniform over [0, jitter];
// normal around jitter/2 (sd jitter/6); pareto with mean jitter/2 and a long tail
// cut at 10 * jitter.
enum class jitter_distribution : std::uint8_t { uniform, normal, pareto };

struct stream_faults {
    fault_direction direction = fault_direction::out;
    std::chrono::nanoseconds delay{0};
    std::chrono::nanoseconds jitter{0};
    jitter_distribution jitter_dist = jitter_distribution::uniform;
    std::uint64_t rate = 0;        // bytes per second per connection; 0: no cap
    std::uint64_t rate_total = 0;  // bytes per second for the listener; 0: no cap
    std::uint32_t slice_average = 0;  // 0: no slicing
    std::uint32_t slice_variation = 0;
    std::chrono::nanoseconds slice_gap{0};
    std::optional<std::uint64_t> close_after;  // bytes shaped, then FIN
    std::optional<std::uint64_t> reset_after;  // bytes shaped, then RST
    std::optional<std::uint64_t> stall_after;  // bytes shaped, then nothing either way
    std::chrono::nanoseconds stall_for{0};     // then the stalled connection closes; 0: never
    std::chrono::nanoseconds slow_close{0};    // between the client's FIN and ours
    std::chrono::nanoseconds accept_delay{0};  // before a new connection is served
    double refuse = 0;    // share of faulted connections closed at once
    double toxicity = 1;  // share of connections the faults apply to
    std::uint64_t seed = 0;

    // Whether any key asks for a fault: a listener without one is not decorated.
    [[nodiscard]] bool any() const noexcept;
    // Whether bytes are shaped in that direction.
    [[nodiscard]] bool shapes_out() const noexcept { return direction != fault_direction::in; }
    [[nodiscard]] bool shapes_in() const noexcept { return direction != fault_direction::out; }

    friend bool operator==(const stream_faults&, const stream_faults&) = default;
};

// The caps: a typo must not hold a connection for a day or a peer's bytes for ever.
inline constexpr std::chrono::nanoseconds kMaxFaultDelay = std::chrono::minutes{1};
inline constexpr std::chrono::nanoseconds kMaxFaultHold = std::chrono::hours{1};
inline constexpr std::uint64_t kMaxFaultRate = std::uint64_t{1} << 34;  // 16 GiB/s
inline constexpr std::uint64_t kMaxFaultCount = std::uint64_t{1} << 40;  // 1 TiB
inline constexpr std::uint32_t kMaxSlice = 1 << 20;
// When slice= names no gap: long enough that a reader on loopback sees each slice
// as its own read, short enough that slicing is not a delay.
inline constexpr std::chrono::nanoseconds kDefaultSliceGap = std::chrono::milliseconds{1};

// Takes one URL key of a stream listener. Returns nullopt when the key is not a
// fault key, an empty string when it was taken, else why the value is wrong (one
// line). `out` is made at the first fault key.
[[nodiscard]] std::optional<std::string> take_stream_fault_key(std::string_view key,
                                                               std::string_view value,
                                                               std::optional<stream_faults>& out);

// After every key: checks what ties several keys. Returns the problem, if any.
[[nodiscard]] std::optional<std::string> finish_stream_faults(
    const std::optional<stream_faults>& faults);

// The URL keys whose effect differs from `before` to `after` (set, changed or
// cleared), in the URL keys' order.
[[nodiscard]] std::vector<std::string_view> changed_stream_fault_keys(const stream_faults& before,
                                                                      const stream_faults& after);
// Whether a change of `key` reaches connections already open: delay, jitter,
// jitter_dist, rate, rate_total, slice and slow_close (pipeline/fault_application.hpp
// says why the others wait for new connections).
[[nodiscard]] bool reaches_open_connections(std::string_view key) noexcept;

}  // namespace echo::core
