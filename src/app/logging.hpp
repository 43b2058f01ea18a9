// Logs go to stderr through a background thread, so a slow terminal or pipe never
// stalls an event loop; stdout is kept for the "listening on" lines.
#pragma once

#include "core/server_config.hpp"

namespace echo::app {

// Installs the process-wide default logger. Call once, before any worker starts.
void start_logging(core::log_level level);
// Flushes what is queued and stops the logging thread.
void stop_logging() noexcept;

}  // namespace echo::app
