// What a stream or datagram listener serves (?service=): the echo of RFC 862, or
// one of the other classic test services, discard (RFC 863), chargen (RFC 864),
// daytime (RFC 867) and time (RFC 868).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace echo::core {

enum class service_kind : std::uint8_t { echo, discard, chargen, daytime, time };

inline constexpr std::array<std::string_view, 5> kServiceNames{"echo", "discard", "chargen",
                                                                "daytime", "time"};

[[nodiscard]] constexpr std::string_view name_of(service_kind s) noexcept {
    return kServiceNames[static_cast<std::size_t>(s)];
}

[[nodiscard]] constexpr std::optional<service_kind> parse_service_kind(
    std::string_view text) noexcept {
    for (std::size_t i = 0; i < kServiceNames.size(); ++i) {
        if (kServiceNames[i] == text) {
            return static_cast<service_kind>(i);
        }
    }
    return std::nullopt;
}

}  // namespace echo::core
