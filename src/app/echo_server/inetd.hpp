// --inetd: the connection is already accepted (inetd, xinetd, systemd Accept=yes)
// and handed over as stdin and stdout; echo it and exit.
#pragma once

#include "core/server_config.hpp"

namespace echo::app {

// Returns the exit status: 0 once the peer has closed and everything was echoed.
[[nodiscard]] int run_inetd(const core::server_config& config);

}  // namespace echo::app
