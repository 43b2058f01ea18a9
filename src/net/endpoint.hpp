// A peer or listening address as a small value type, printable the way URLs and
// logs write it: 127.0.0.1:65432, [::1]:65432, [fe80::1%eth0]:7, and for a Unix
// socket peer its credentials (pid 42 uid 1000), which is all such a peer has.
#pragma once

#include "core/peer_address.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace echo::net {

class endpoint {
public:
    endpoint() noexcept;
    // Nothing when the address is neither AF_INET nor AF_INET6.
    [[nodiscard]] static std::optional<endpoint> from_sockaddr(const sockaddr* sa,
                                                               socklen_t len) noexcept;
    // A numeric IPv4 or IPv6 literal (no brackets); `scope` is an interface name or
    // number for IPv6 link-local addresses. Nothing when either does not parse.
    [[nodiscard]] static std::optional<endpoint> from_literal(std::string_view ip,
                                                              std::uint16_t port,
                                                              std::string_view scope = {});
    // An address as the core holds it (IPv4-mapped comes out as plain IPv4).
    [[nodiscard]] static endpoint from_address(const core::peer_address& a,
                                               std::uint16_t port) noexcept;
    // The peer of a Unix stream socket, known by its credentials.
    [[nodiscard]] static endpoint unix_peer(int pid, unsigned uid) noexcept;

    [[nodiscard]] int family() const noexcept { return addr_.sa.sa_family; }
    [[nodiscard]] std::uint16_t port() const noexcept;
    void set_port(std::uint16_t port) noexcept;
    [[nodiscard]] const sockaddr* sockaddr_ptr() const noexcept { return &addr_.sa; }
    [[nodiscard]] socklen_t sockaddr_len() const noexcept;
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const endpoint& a, const endpoint& b) noexcept;

private:
    struct unix_credentials {
        sa_family_t family;  // AF_UNIX
        int pid;
        unsigned uid;
    };
    union {
        sockaddr sa;
        sockaddr_in v4;
        sockaddr_in6 v6;
        unix_credentials local;
    } addr_;
};

}  // namespace echo::net
