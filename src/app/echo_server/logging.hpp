// Logs go to stderr (or --log-file) through a background thread, so a slow terminal,
// pipe or disk never stalls an event loop; stdout is kept for the "listening on" lines.
#pragma once

#include "core/server_config.hpp"
#include "server/event_sink.hpp"

#include <memory>

namespace echo::app {

// Installs the process-wide default logger. Call once, before any worker starts.
// Throws net::setup_error when the log file cannot be opened.
void start_logging(const core::server_config& config);
// The sink the workers log their events through, writing where the default logger
// writes, at its level. Call after start_logging.
[[nodiscard]] std::shared_ptr<server::event_sink> make_event_sink(core::log_format format);
// Reopens the log file (after logrotate moved it); a no-op when logging to stderr.
void reopen_log();
// Flushes what is queued and stops the logging thread.
void stop_logging() noexcept;

}  // namespace echo::app
