// The worker's event sink as seen by applications: their per-request lines go
// where the connection lines go, in the same text or JSON format.
#pragma once

#include "pipeline/application.hpp"
#include "server/event_sink.hpp"

namespace echo::server {

class events_app_log final : public pipeline::app_log {
public:
    // `sink` outlives this; the worker checks it is not null before any use.
    explicit events_app_log(event_sink* sink) noexcept : sink_(sink) {}
    [[nodiscard]] bool wants_info() const noexcept override {
        return sink_->wants(spdlog::level::info);
    }
    [[nodiscard]] bool structured() const noexcept override { return sink_->structured(); }
    void info(const core::log_event& event, std::string_view text) override {
        sink_->emit(spdlog::level::info, event, text);
    }

private:
    event_sink* sink_;
};

}  // namespace echo::server
