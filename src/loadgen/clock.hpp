// One clock for every timestamp echo-bench takes (steady, in nanoseconds), and
// the sleep until one of them.
#pragma once

#include <chrono>
#include <cstdint>

#include <time.h>

namespace echo::loadgen {

[[nodiscard]] inline std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Sleeps until now_ns() reaches `t` (at once if it has).
inline void sleep_until_ns(std::int64_t t) noexcept {
    const std::int64_t left = t - now_ns();
    if (left > 0) {
        const timespec ts{static_cast<time_t>(left / 1'000'000'000),
                          static_cast<long>(left % 1'000'000'000)};
        ::nanosleep(&ts, nullptr);
    }
}

}  // namespace echo::loadgen
