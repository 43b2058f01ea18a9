// One clock for every timestamp echo-bench takes: steady, in nanoseconds.
#pragma once

#include <chrono>
#include <cstdint>

namespace echo::loadgen {

[[nodiscard]] inline std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace echo::loadgen
