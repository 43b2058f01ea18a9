// What a udp listener is told to do wrong, netem-style, as its URL keys say it:
// drop, duplicate, reorder, corrupt, delay (with jitter) and a rate cap.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace echo::core {

struct datagram_faults {
    double drop = 0;     // fraction of datagrams not echoed
    double dup = 0;      // fraction echoed twice
    double reorder = 0;  // fraction echoed at once while the rest wait `delay`
    double corrupt = 0;  // fraction whose echo has one bit flipped
    std::chrono::nanoseconds delay{0};
    std::chrono::nanoseconds jitter{0};  // added to delay, uniform in [0, jitter]
    std::uint64_t rate = 0;              // bytes/s leaving this listener per loop; 0 = no cap
    std::optional<std::uint64_t> seed;   // none: a random one per start

    // Whether any key asks for a fault; a listener without one pays nothing.
    [[nodiscard]] bool any() const noexcept {
        return drop > 0 || dup > 0 || reorder > 0 || corrupt > 0 || delay.count() > 0 ||
               jitter.count() > 0 || rate > 0;
    }
};

inline constexpr std::chrono::seconds kMaxDatagramDelay{60};
inline constexpr std::uint64_t kMaxDatagramRate = std::uint64_t{1} << 34;  // 16 GiB/s

// One URL key of a udp listener: nothing when the key is not a datagram fault's,
// an empty text when taken, else a one-line reason the value is refused.
[[nodiscard]] std::optional<std::string> take_datagram_fault_key(
    std::string_view key, std::string_view value, std::optional<datagram_faults>& out);

// After every key: what no single key could check (reorder needs a delay).
[[nodiscard]] std::optional<std::string> finish_datagram_faults(
    const std::optional<datagram_faults>& f);

}  // namespace echo::core
