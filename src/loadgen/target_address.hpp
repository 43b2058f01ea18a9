// Where echo-bench connects: a resolved socket address of any family, with the
// socket type its scheme implies.
#pragma once

#include "core/target_url.hpp"

#include <sys/socket.h>

#include <string>

namespace echo::loadgen {

struct target_address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_UNSPEC;
    int type = SOCK_STREAM;  // SOCK_DGRAM for udp://
    std::string text;        // for messages: the URL

    [[nodiscard]] const sockaddr* address() const noexcept {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
};

// The first address a tcp/udp host resolves to, or the Unix socket path. Throws
// net::setup_error when the host does not resolve.
[[nodiscard]] target_address resolve_target(const core::target_url& url);

}  // namespace echo::loadgen
