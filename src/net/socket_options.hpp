// Puts the socket options of a --listen URL on one of its sockets. Called before
// bind: freebind must precede it, mss must precede listen so the SYN-ACK advertises
// it, and Linux copies the rest from a listener to every connection it accepts.
#pragma once

#include "core/socket_options.hpp"

#include <string_view>

namespace echo::net {

// Sets every option `options` holds on `fd`, a socket of `family` (AF_INET, AF_INET6)
// not yet bound. TCP_NODELAY is not among them: the worker sets it on each accepted
// connection, so that sockets passed by systemd get it too. Throws setup_error
// naming `url`, the option and the errno text (and the fix, where there is one).
void apply_listener_options(int fd, int family, const core::socket_options& options,
                            std::string_view url);

// Makes the socket's close send a reset (RST) and drop unsent bytes: SO_LINGER
// {1, 0}. Best effort: a socket that refuses it closes with a FIN.
void reset_on_close(int fd) noexcept;

}  // namespace echo::net
