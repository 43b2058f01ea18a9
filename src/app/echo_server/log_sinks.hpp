// What the logger writes through: an append-only file that SIGHUP can reopen, a
// formatter for --log-format json (one object per line, stable keys), and the
// event sink the workers log their events through.
#pragma once

#include "server/event_sink.hpp"

#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace echo::app {

class reopenable_file_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    // Throws net::setup_error naming the file when it cannot be opened.
    explicit reopenable_file_sink(std::string path);
    ~reopenable_file_sink() override;
    // Opens the path anew; on failure keeps writing to the old file and says so.
    void reopen();

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}  // every line is one write(2) to an O_APPEND fd

private:
    std::string path_;
    int fd_ = -1;
};

// Records logged under this logger name carry an event's JSON members as payload.
inline constexpr std::string_view kEventsLogger = "events";

// Wraps any record as {"event":"message","msg":...}, except those of kEventsLogger,
// whose payload is already the members.
class json_formatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;
};

// Thread-safe, as spdlog loggers are. A text sink logs the familiar line through
// `logger`; a structured one logs the event's members, so `logger` must be named
// kEventsLogger and write through sinks formatted by json_formatter.
class logger_event_sink final : public server::event_sink {
public:
    logger_event_sink(std::shared_ptr<spdlog::logger> logger, bool structured)
        : logger_(std::move(logger)), structured_(structured) {}

    [[nodiscard]] bool wants(spdlog::level::level_enum level) const noexcept override {
        return logger_->should_log(level);
    }
    [[nodiscard]] bool structured() const noexcept override { return structured_; }
    void emit(spdlog::level::level_enum level, const core::log_event& event,
              std::string_view text) override;

private:
    std::shared_ptr<spdlog::logger> logger_;
    bool structured_;
};

}  // namespace echo::app
