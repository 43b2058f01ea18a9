// systemd integration without libsystemd (whose shared object and its compression
// and crypto dependencies add 0.86 MiB RSS, measured): the socket-activation and
// notify protocols are small, documented as stable, and done here.
#pragma once

#include "core/listen_url.hpp"
#include "net/unique_fd.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace echo::net {

struct passed_socket {
    unique_fd fd;
    core::transport kind;
    std::string url;  // as "listening on" announces it
};

// The sockets systemd passed (LISTEN_FDS), made non-blocking and close-on-exec, the
// variables unset so children do not inherit them. Empty when none were passed.
// Throws setup_error for a malformed environment or a socket we cannot serve.
[[nodiscard]] std::vector<passed_socket> take_passed_sockets();

// Sends one sd_notify(3) state ("READY=1", "STOPPING=1", "STATUS=...") when
// NOTIFY_SOCKET is set; silent otherwise, and on failure (notification is advisory).
void notify_systemd(std::string_view state) noexcept;
[[nodiscard]] bool systemd_notify_wanted() noexcept;

}  // namespace echo::net
