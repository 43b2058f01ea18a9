// Fixed label sets: 11 close codes, the session's 11 failures plus 3, and the
// handshake's 8 refusals, per listener.
#include "http/websocket_observer.hpp"

#include "core/prometheus_text.hpp"
#include "core/websocket_handshake.hpp"
#include "core/websocket_session.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace echo::http {

namespace {

std::size_t index_of(std::span<const std::string_view> names, std::string_view name) noexcept {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

std::size_t code_index(std::uint16_t code) noexcept {
    if (code == 0) {
        return websocket_observer::kCloseCodes.size() - 1;
    }
    const auto text = std::to_string(code);
    return std::min(index_of(websocket_observer::kCloseCodes, text),
                    websocket_observer::kCloseCodes.size() - 2);
}

}  // namespace

websocket_observer::websocket_observer(std::string listener)
    : listener_(std::move(listener)),
      failures_(core::websocket_session_failures().size() + 3),
      refusals_(core::websocket_upgrade_failures().size()) {
    const auto session = core::websocket_session_failures();
    failure_names_.assign(session.begin(), session.end());
    failure_names_.push_back(kClosingTimedOut);
    failure_names_.push_back(kSendTimedOut);
    failure_names_.push_back(kAbnormalEnd);
}

void websocket_observer::count_opened() noexcept { opened_.fetch_add(1, std::memory_order_relaxed); }

void websocket_observer::count_echoed(std::uint64_t messages, std::uint64_t bytes) noexcept {
    messages_.fetch_add(messages, std::memory_order_relaxed);
    message_bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

void websocket_observer::count_ended(std::uint16_t sent_code, std::string_view failure) noexcept {
    closes_[code_index(sent_code)].fetch_add(1, std::memory_order_relaxed);
    if (failure.empty()) {
        return;
    }
    if (const auto i = index_of(failure_names_, failure); i < failures_.size()) {
        failures_[i].fetch_add(1, std::memory_order_relaxed);
    }
}

void websocket_observer::count_refused(std::string_view upgrade_failure) noexcept {
    if (const auto i = index_of(core::websocket_upgrade_failures(), upgrade_failure);
        i < refusals_.size()) {
        refusals_[i].fetch_add(1, std::memory_order_relaxed);
    }
}

std::string websocket_observer::metrics_header() {
    return "# HELP echo_websocket_sessions_total WebSocket sessions opened (101 sent).\n"
           "# TYPE echo_websocket_sessions_total counter\n"
           "# HELP echo_websocket_messages_total WebSocket data messages echoed.\n"
           "# TYPE echo_websocket_messages_total counter\n"
           "# HELP echo_websocket_message_bytes_total Payload bytes of the messages echoed.\n"
           "# TYPE echo_websocket_message_bytes_total counter\n"
           "# HELP echo_websocket_closes_total Ended WebSocket sessions by the close code the "
           "server sent (none: it sent no code).\n"
           "# TYPE echo_websocket_closes_total counter\n"
           "# HELP echo_websocket_failures_total WebSocket sessions that ended badly, by reason.\n"
           "# TYPE echo_websocket_failures_total counter\n"
           "# HELP echo_websocket_upgrades_refused_total Upgrade: websocket requests refused, by "
           "reason.\n"
           "# TYPE echo_websocket_upgrades_refused_total counter\n";
}

void websocket_observer::append_metrics(std::string& out) const {
    const auto listener = core::escape_label(listener_);
    const auto load = [](const counter& c) { return c.load(std::memory_order_relaxed); };
    out += fmt::format("echo_websocket_sessions_total{{listener=\"{}\"}} {}\n", listener,
                       load(opened_));
    out += fmt::format("echo_websocket_messages_total{{listener=\"{}\"}} {}\n", listener,
                       load(messages_));
    out += fmt::format("echo_websocket_message_bytes_total{{listener=\"{}\"}} {}\n", listener,
                       load(message_bytes_));
    for (std::size_t i = 0; i < kCloseCodes.size(); ++i) {
        out += fmt::format("echo_websocket_closes_total{{listener=\"{}\",code=\"{}\"}} {}\n",
                           listener, kCloseCodes[i], load(closes_[i]));
    }
    for (std::size_t i = 0; i < failures_.size(); ++i) {
        out += fmt::format("echo_websocket_failures_total{{listener=\"{}\",reason=\"{}\"}} {}\n",
                           listener, failure_names_[i], load(failures_[i]));
    }
    const auto refusals = core::websocket_upgrade_failures();
    for (std::size_t i = 0; i < refusals_.size(); ++i) {
        out += fmt::format(
            "echo_websocket_upgrades_refused_total{{listener=\"{}\",reason=\"{}\"}} {}\n", listener,
            refusals[i], load(refusals_[i]));
    }
}

}  // namespace echo::http
