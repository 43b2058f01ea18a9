// A small queue that drops the oldest line when full: under a connection storm we
// would rather lose log lines than slow the echo.
#include "app/echo_server/logging.hpp"

#include "app/echo_server/log_sinks.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace echo::app {

namespace {

constexpr std::size_t kQueueLines = 256;  // ~100 KiB of preallocated slots

spdlog::level::level_enum to_spdlog(core::log_level level) {
    switch (level) {
        case core::log_level::error:
            return spdlog::level::err;
        case core::log_level::warn:
            return spdlog::level::warn;
        case core::log_level::info:
            return spdlog::level::info;
        case core::log_level::debug:
            return spdlog::level::debug;
    }
    return spdlog::level::info;
}

std::shared_ptr<reopenable_file_sink> log_file;  // set when logging to a file

}  // namespace

void start_logging(const core::server_config& config) {
    spdlog::sink_ptr sink;
    if (config.inetd && config.log_file.empty()) {
        // inetd and xinetd hand the client over as stderr too: a log line there
        // would be echo data. Without --log-file, an inetd server stays silent.
        sink = std::make_shared<spdlog::sinks::null_sink_mt>();
    } else if (config.log_file.empty()) {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
        log_file = std::make_shared<reopenable_file_sink>(config.log_file);
        sink = log_file;
    }
    spdlog::init_thread_pool(kQueueLines, 1);
    auto logger = std::make_shared<spdlog::async_logger>(
        "echo-server", std::move(sink), spdlog::thread_pool(),
        spdlog::async_overflow_policy::overrun_oldest);
    if (config.format == core::log_format::json) {
        logger->set_formatter(std::make_unique<json_formatter>());
    } else {
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    }
    logger->set_level(to_spdlog(config.level));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
}

std::shared_ptr<server::event_sink> make_event_sink(core::log_format format) {
    auto text = spdlog::default_logger();
    if (format != core::log_format::json) {
        return std::make_shared<logger_event_sink>(std::move(text), false);
    }
    // Same sinks, queue and thread as the default logger, so lines stay in order;
    // only the name differs, and tells json_formatter the payload is members.
    auto events = std::make_shared<spdlog::async_logger>(
        std::string{kEventsLogger}, text->sinks().begin(), text->sinks().end(),
        spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
    events->set_level(text->level());
    events->flush_on(text->flush_level());
    return std::make_shared<logger_event_sink>(std::move(events), true);
}

void reopen_log() {
    if (log_file) {
        log_file->reopen();
    }
}

void stop_logging() noexcept {
    spdlog::shutdown();
}

}  // namespace echo::app
