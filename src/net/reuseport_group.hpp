// Sockets bound in one SO_REUSEPORT group per address, one socket per worker, so
// the kernel spreads connections (TCP) or datagrams (UDP) over the loops without
// locks.
#pragma once

#include "core/socket_options.hpp"
#include "net/endpoint.hpp"
#include "net/unique_fd.hpp"

#include <string>
#include <vector>

namespace echo::net {

struct listen_options {
    int backlog = 128;    // TCP only
    bool v6only = false;  // set when the same port is also bound on IPv4
    core::socket_options socket;  // the URL's options, on every socket before bind
    std::string url;              // the URL as given, for errors about those options
};

// Binds `count` TCP sockets to `at` and listens on each. With a fixed port it first
// makes sure nobody listens there yet: joining another process's reuseport group
// would silently take half of its connections. Throws setup_error naming the
// call, the address and the likely fix.
[[nodiscard]] std::vector<unique_fd> open_tcp_listeners(endpoint at, unsigned count,
                                                        const listen_options& options);

// Binds `count` UDP sockets to `at`, with the same check for a port already held.
[[nodiscard]] std::vector<unique_fd> open_udp_sockets(endpoint at, unsigned count,
                                                      const listen_options& options);

// The address a socket is bound to (the real port after binding port 0).
[[nodiscard]] endpoint local_endpoint(int fd);

}  // namespace echo::net
