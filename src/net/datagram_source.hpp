// Who sent a datagram (or opened a connection), as the limits need it: the source
// port, and the source address whole (the port left out, so one host is one source).
#pragma once

#include "core/peer_address.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

namespace echo::net {

struct datagram_source_id {
    std::uint16_t port = 0;
    core::peer_address address;
};

[[nodiscard]] inline datagram_source_id datagram_source(const sockaddr* sa,
                                                        socklen_t len) noexcept {
    if (sa->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
        sockaddr_in v4;
        std::memcpy(&v4, sa, sizeof v4);
        std::uint8_t bytes[4];
        std::memcpy(bytes, &v4.sin_addr, sizeof bytes);
        return {ntohs(v4.sin_port), core::peer_address::ipv4(bytes)};
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
        sockaddr_in6 v6;
        std::memcpy(&v6, sa, sizeof v6);
        std::uint8_t bytes[16];
        std::memcpy(bytes, &v6.sin6_addr, sizeof bytes);
        return {ntohs(v6.sin6_port), core::peer_address::ipv6(bytes)};
    }
    return {};
}

}  // namespace echo::net
