// Who sent a datagram, as the datagram guard needs it: the source port, and a key
// for the source address (the port left out, so one host is one source).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

namespace echo::net {

struct datagram_source_id {
    std::uint16_t port = 0;
    std::uint64_t key = 0;
};

[[nodiscard]] inline datagram_source_id datagram_source(const sockaddr* sa,
                                                        socklen_t len) noexcept {
    if (sa->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
        sockaddr_in v4;
        std::memcpy(&v4, sa, sizeof v4);
        return {ntohs(v4.sin_port), std::uint64_t{v4.sin_addr.s_addr} | (std::uint64_t{4} << 56)};
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
        sockaddr_in6 v6;
        std::memcpy(&v6, sa, sizeof v6);
        std::uint64_t halves[2];
        std::memcpy(halves, &v6.sin6_addr, sizeof halves);
        // Any fixed mix will do: the key only picks a bucket and tells sources apart.
        return {ntohs(v6.sin6_port), halves[0] * 0x9e3779b97f4a7c15ULL ^ halves[1]};
    }
    return {};
}

}  // namespace echo::net
