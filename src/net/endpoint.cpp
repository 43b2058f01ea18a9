// Conversions between the kernel's sockaddr forms and the printed form.
#include "net/endpoint.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace echo::net {

endpoint::endpoint() noexcept { std::memset(&addr_, 0, sizeof addr_); }

std::optional<endpoint> endpoint::from_sockaddr(const sockaddr* sa, socklen_t len) noexcept {
    endpoint e;
    if (sa->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
        std::memcpy(&e.addr_.v4, sa, sizeof(sockaddr_in));
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
        std::memcpy(&e.addr_.v6, sa, sizeof(sockaddr_in6));
    } else {
        return std::nullopt;
    }
    return e;
}

std::optional<endpoint> endpoint::from_literal(std::string_view ip, std::uint16_t port) {
    const std::string text{ip};
    endpoint e;
    if (::inet_pton(AF_INET, text.c_str(), &e.addr_.v4.sin_addr) == 1) {
        e.addr_.v4.sin_family = AF_INET;
    } else if (::inet_pton(AF_INET6, text.c_str(), &e.addr_.v6.sin6_addr) == 1) {
        e.addr_.v6.sin6_family = AF_INET6;
    } else {
        return std::nullopt;
    }
    e.set_port(port);
    return e;
}

std::uint16_t endpoint::port() const noexcept {
    return ntohs(family() == AF_INET ? addr_.v4.sin_port : addr_.v6.sin6_port);
}

void endpoint::set_port(std::uint16_t port) noexcept {
    if (family() == AF_INET) {
        addr_.v4.sin_port = htons(port);
    } else {
        addr_.v6.sin6_port = htons(port);
    }
}

socklen_t endpoint::sockaddr_len() const noexcept {
    return family() == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
}

std::string endpoint::to_string() const {
    char ip[INET6_ADDRSTRLEN] = {};
    char text[INET6_ADDRSTRLEN + 8] = {};
    if (family() == AF_INET) {
        ::inet_ntop(AF_INET, &addr_.v4.sin_addr, ip, sizeof ip);
        std::snprintf(text, sizeof text, "%s:%u", ip, unsigned{port()});
    } else {
        ::inet_ntop(AF_INET6, &addr_.v6.sin6_addr, ip, sizeof ip);
        std::snprintf(text, sizeof text, "[%s]:%u", ip, unsigned{port()});
    }
    return text;
}

bool operator==(const endpoint& a, const endpoint& b) noexcept {
    return a.family() == b.family() &&
           std::memcmp(&a.addr_, &b.addr_, a.sockaddr_len()) == 0;
}

}  // namespace echo::net
