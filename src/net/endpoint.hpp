// An IPv4 or IPv6 socket address as a value type, printable the way URLs and
// logs write it: 127.0.0.1:65432 and [::1]:65432.
#pragma once

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
    // A numeric IPv4 or IPv6 literal (no brackets, no scope); nothing otherwise.
    [[nodiscard]] static std::optional<endpoint> from_literal(std::string_view ip,
                                                              std::uint16_t port);

    [[nodiscard]] int family() const noexcept { return addr_.sa.sa_family; }
    [[nodiscard]] std::uint16_t port() const noexcept;
    void set_port(std::uint16_t port) noexcept;
    [[nodiscard]] const sockaddr* sockaddr_ptr() const noexcept { return &addr_.sa; }
    [[nodiscard]] socklen_t sockaddr_len() const noexcept;
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const endpoint& a, const endpoint& b) noexcept;

private:
    union {
        sockaddr sa;
        sockaddr_in v4;
        sockaddr_in6 v6;
    } addr_;
};

}  // namespace echo::net
