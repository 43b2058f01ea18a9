// Seconds written in a URL key, with a fraction (handshake_timeout=2.5): above 0,
// at most a cap, held as milliseconds (at least one).
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>

namespace echo::core {

[[nodiscard]] inline std::optional<std::chrono::milliseconds> seconds_value(
    std::string_view v, std::chrono::milliseconds cap) {
    double s = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || !(s > 0) ||
        s * 1000 > static_cast<double>(cap.count())) {
        return std::nullopt;
    }
    return std::chrono::milliseconds{std::max<long>(1, static_cast<long>(s * 1000))};
}

}  // namespace echo::core
