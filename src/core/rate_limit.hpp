// Lets an event through at most once per interval and counts what it held back,
// so a warning storm (EMFILE under load) costs one log line per interval.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace echo::core {

class rate_limit {
public:
    using clock = std::chrono::steady_clock;

    explicit rate_limit(clock::duration interval) noexcept : interval_(interval) {}

    // Returns how many events were suppressed since the last one let through, or
    // nothing when this event must be suppressed too.
    [[nodiscard]] std::optional<std::uint64_t> admit(clock::time_point now) noexcept {
        if (last_ && now - *last_ < interval_) {
            ++suppressed_;
            return std::nullopt;
        }
        last_ = now;
        std::uint64_t held = suppressed_;
        suppressed_ = 0;
        return held;
    }

private:
    clock::duration interval_;
    std::optional<clock::time_point> last_;
    std::uint64_t suppressed_ = 0;
};

}  // namespace echo::core
