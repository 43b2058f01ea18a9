// A small queue that drops the oldest line when full: under a connection storm we
// would rather lose log lines than slow the echo.
#include "app/logging.hpp"

#include <spdlog/async.h>
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

}  // namespace

void start_logging(core::log_level level) {
    spdlog::init_thread_pool(kQueueLines, 1);
    auto logger = spdlog::create_async_nb<spdlog::sinks::stderr_sink_mt>("echo-server");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    logger->set_level(to_spdlog(level));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
}

void stop_logging() noexcept {
    spdlog::shutdown();
}

}  // namespace echo::app
