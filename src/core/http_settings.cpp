// body_limit, max_body, max_headers, max_head, request_timeout, max_requests,
// max_response, controls, h2, and the WebSocket echo's ws_ keys. Caps keep a typo
// from turning a limit off.
#include "core/http_settings.hpp"

#include "core/seconds_value.hpp"
#include "core/whole_number.hpp"

namespace echo::core {

namespace {

constexpr std::uint64_t kMaxBodyCap = std::uint64_t{1} << 40;  // 1 TiB: hashed, never held
constexpr std::size_t kMaxKeptCap = 64 << 20;
constexpr std::size_t kMaxHeadCap = 1 << 20;
constexpr std::size_t kMaxHeadersCap = 10'000;
constexpr std::uint64_t kMaxResponseCap = std::uint64_t{1} << 34;  // 16 GiB, streamed
constexpr std::chrono::milliseconds kMaxTimeout{3'600'000};

template <class T>
std::optional<std::string> bounded(std::string_view key, std::string_view value, T low, T high,
                                   T& out) {
    const auto v = whole_number<T>(value);
    if (!v || *v < low || *v > high) {
        return std::string{key} + " must be a whole number from " + std::to_string(low) +
               " to " + std::to_string(high);
    }
    out = *v;
    return std::string{};
}

}  // namespace

std::optional<std::string> take_http_key(std::string_view key, std::string_view value,
                                         http_settings& out) {
    auto& l = out.limits;
    if (key == "body_limit") {
        return bounded<std::size_t>(key, value, 0, kMaxKeptCap, l.body_limit);
    }
    if (key == "max_body") {
        return bounded<std::uint64_t>(key, value, 0, kMaxBodyCap, l.max_body);
    }
    if (key == "max_headers") {
        return bounded<std::size_t>(key, value, 1, kMaxHeadersCap, l.max_headers);
    }
    if (key == "max_head") {
        return bounded<std::size_t>(key, value, 64, kMaxHeadCap, l.max_head);
    }
    if (key == "max_requests") {
        return bounded<std::uint32_t>(key, value, 0, UINT32_MAX, out.max_requests);
    }
    if (key == "max_response") {
        return bounded<std::uint64_t>(key, value, 0, kMaxResponseCap, out.max_response);
    }
    if (key == "request_timeout") {
        const auto t = seconds_value(value, kMaxTimeout);
        if (!t) {
            return std::string{"request_timeout must be seconds, above 0 and at most 3600"};
        }
        out.request_timeout = *t;
        return std::string{};
    }
    if (key == "controls" || key == "h2") {
        if (value != "0" && value != "1") {
            return std::string{key} + " must be 0 or 1";
        }
        (key == "h2" ? out.h2 : out.controls) = value == "1";
        return std::string{};
    }
    return take_websocket_key(key, value, out.websocket);
}

std::optional<std::string> finish_http_settings(const http_settings& s) {
    if (s.limits.body_limit > s.limits.max_body) {
        return std::string{"body_limit must not exceed max_body"};
    }
    return std::nullopt;
}

}  // namespace echo::core
