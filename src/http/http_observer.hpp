// One HTTP listener's request tallies: by status class and method, and requests
// refused over a limit by reason. Label values come from fixed tables, never from
// what a client sent. Written by every loop with relaxed atomics, read by /metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace echo::http {

// Why a request (or a connection waiting for one) was refused.
enum class over_limit : std::uint8_t {
    malformed,
    head_too_large,
    too_many_headers,
    body_too_large,
    request_timeout,
    bad_control,
    method_not_allowed,
    version_not_supported,
};
inline constexpr std::size_t kOverLimits = 8;
[[nodiscard]] const char* name_of(over_limit r) noexcept;

class http_observer {
public:
    explicit http_observer(std::string listener) : listener_(std::move(listener)) {}

    void count_request(int status, std::string_view method) noexcept;
    void count_refusal(over_limit r) noexcept;

    void append_metrics(std::string& out) const;
    [[nodiscard]] static std::string metrics_header();

    static constexpr std::array<std::string_view, 9> kMethods = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "other"};

private:
    using counter = std::atomic<std::uint64_t>;
    std::string listener_;
    std::array<std::array<counter, kMethods.size()>, 5> requests_{};  // 1xx .. 5xx
    std::array<counter, kOverLimits> refusals_{};
};

}  // namespace echo::http
