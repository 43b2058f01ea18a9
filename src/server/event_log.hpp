// Logging an event from the loops: the familiar text line, or with --log-format json
// the event's members, marked so the JSON formatter emits them as they are.
#pragma once

#include "core/log_event.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <string_view>

namespace echo::server {

// Set once at start-up, before any loop runs.
inline std::atomic<bool> json_events{false};
// A payload starting with this byte is pre-built JSON members, not text.
inline constexpr char kJsonMembersMark = '\x1e';

template <class... Args>
void log_event(spdlog::level::level_enum level, const core::log_event& e,
               fmt::format_string<Args...> text, Args&&... args) {
    if (!spdlog::should_log(level)) {
        return;
    }
    if (json_events.load(std::memory_order_relaxed)) {
        spdlog::log(level, "{}{}", kJsonMembersMark, core::json_members(e));
    } else {
        spdlog::log(level, text, std::forward<Args>(args)...);
    }
}

}  // namespace echo::server
