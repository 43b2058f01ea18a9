// One listener's WebSocket tallies: sessions opened, messages echoed, the close
// code each session sent, how sessions failed, and why upgrades were refused.
// Label values come from fixed tables, never from what a client sent. Written by
// every loop with relaxed atomics, read by /metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace echo::http {

// Why a session ended badly: the session's own failures (websocket_session_failures())
// and these, the app's.
inline constexpr std::string_view kClosingTimedOut = "closing_timeout";  // no close back in time
inline constexpr std::string_view kSendTimedOut = "send_timeout";  // took no echo for request_timeout
inline constexpr std::string_view kAbnormalEnd = "abnormal";  // the transport ended before any close (1006)

class websocket_observer {
public:
    explicit websocket_observer(std::string listener);

    void count_opened() noexcept;
    void count_echoed(std::uint64_t messages, std::uint64_t bytes) noexcept;
    // `sent_code` is the code of the session's close frame, 0 when it sent none
    // (or a codeless one); `failure` empty for a clean end.
    void count_ended(std::uint16_t sent_code, std::string_view failure) noexcept;
    void count_refused(std::string_view upgrade_failure) noexcept;

    void append_metrics(std::string& out) const;
    [[nodiscard]] static std::string metrics_header();

    static constexpr std::array<std::string_view, 11> kCloseCodes = {
        "1000", "1001", "1002", "1003", "1007", "1008", "1009", "1010", "1011", "other", "none"};

private:
    using counter = std::atomic<std::uint64_t>;
    std::string listener_;
    std::vector<std::string_view> failure_names_;
    counter opened_{0};
    counter messages_{0};
    counter message_bytes_{0};
    std::array<counter, kCloseCodes.size()> closes_{};
    std::vector<counter> failures_;
    std::vector<counter> refusals_;
};

}  // namespace echo::http
