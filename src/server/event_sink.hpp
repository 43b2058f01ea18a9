// Where a loop's events go: the app passes one sink to every worker, and the sink
// says whether it wants a level and whether it takes structured members or text.
#pragma once

#include "core/log_event.hpp"

#include <spdlog/common.h>

#include <string_view>
#include <utility>

namespace echo::server {

// Called from every worker thread at once: implementations must be thread-safe.
class event_sink {
public:
    virtual ~event_sink() = default;

    // Checked before anything about the event is formatted.
    [[nodiscard]] virtual bool wants(spdlog::level::level_enum level) const noexcept = 0;
    // A structured sink reads only the event; no text line is formatted for it.
    [[nodiscard]] virtual bool structured() const noexcept = 0;
    // `text` is empty for a structured sink. Both are borrowed for the call only.
    virtual void emit(spdlog::level::level_enum level, const core::log_event& event,
                      std::string_view text) = 0;
};

// Emits `event`, formatting the familiar text line only when the sink reads text.
template <class... Args>
void log_event(event_sink& sink, spdlog::level::level_enum level, const core::log_event& event,
               fmt::format_string<Args...> text, Args&&... args) {
    if (!sink.wants(level)) {
        return;
    }
    if (sink.structured()) {
        sink.emit(level, event, {});
    } else {
        sink.emit(level, event, fmt::format(text, std::forward<Args>(args)...));
    }
}

}  // namespace echo::server
