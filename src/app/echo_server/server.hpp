// Wires a configuration into running workers: bind, announce, run, drain, stop.
#pragma once

#include "app/echo_server/signals.hpp"
#include "core/server_config.hpp"

namespace echo::app {

// Returns the process exit status. Throws net::setup_error when a listener cannot
// be set up; nothing has been announced on stdout then.
[[nodiscard]] int run_server(const core::server_config& config, signal_watch& signals);

}  // namespace echo::app
