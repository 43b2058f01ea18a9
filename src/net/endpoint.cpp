// Conversions between the kernel's sockaddr forms and the printed form.
#include "net/endpoint.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <cctype>
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

endpoint endpoint::from_address(const core::peer_address& a, std::uint16_t port) noexcept {
    endpoint e;
    if (a.is_ipv4()) {
        e.addr_.v4.sin_family = AF_INET;
        e.addr_.v4.sin_port = htons(port);
        std::memcpy(&e.addr_.v4.sin_addr, a.bytes.data() + 12, 4);
    } else {
        e.addr_.v6.sin6_family = AF_INET6;
        e.addr_.v6.sin6_port = htons(port);
        std::memcpy(&e.addr_.v6.sin6_addr, a.bytes.data(), 16);
    }
    return e;
}

std::optional<endpoint> endpoint::from_literal(std::string_view ip, std::uint16_t port,
                                               std::string_view scope) {
    const std::string text{ip};
    endpoint e;
    if (scope.empty() && ::inet_pton(AF_INET, text.c_str(), &e.addr_.v4.sin_addr) == 1) {
        e.addr_.v4.sin_family = AF_INET;
    } else if (::inet_pton(AF_INET6, text.c_str(), &e.addr_.v6.sin6_addr) == 1) {
        e.addr_.v6.sin6_family = AF_INET6;
        if (!scope.empty()) {
            const std::string name{scope};
            unsigned index = ::if_nametoindex(name.c_str());
            if (index == 0 && std::all_of(name.begin(), name.end(), ::isdigit)) {
                index = static_cast<unsigned>(std::stoul(name));
            }
            if (index == 0) {
                return std::nullopt;
            }
            e.addr_.v6.sin6_scope_id = index;
        }
    } else {
        return std::nullopt;
    }
    e.set_port(port);
    return e;
}

endpoint endpoint::unix_peer(int pid, unsigned uid) noexcept {
    endpoint e;
    e.addr_.local = {AF_UNIX, pid, uid};
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
    switch (family()) {
        case AF_INET:
            return sizeof(sockaddr_in);
        case AF_INET6:
            return sizeof(sockaddr_in6);
        default:
            return sizeof(unix_credentials);
    }
}

std::string endpoint::to_string() const {
    char ip[INET6_ADDRSTRLEN] = {};
    char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 16] = {};
    if (family() == AF_INET) {
        ::inet_ntop(AF_INET, &addr_.v4.sin_addr, ip, sizeof ip);
        std::snprintf(text, sizeof text, "%s:%u", ip, unsigned{port()});
    } else if (family() == AF_INET6) {
        ::inet_ntop(AF_INET6, &addr_.v6.sin6_addr, ip, sizeof ip);
        char scope[IF_NAMESIZE + 2] = {};
        if (addr_.v6.sin6_scope_id != 0) {
            char name[IF_NAMESIZE] = {};
            std::snprintf(scope, sizeof scope, "%%%s",
                          ::if_indextoname(addr_.v6.sin6_scope_id, name) != nullptr
                              ? name
                              : std::to_string(addr_.v6.sin6_scope_id).c_str());
        }
        std::snprintf(text, sizeof text, "[%s%s]:%u", ip, scope, unsigned{port()});
    } else {
        std::snprintf(text, sizeof text, "pid %d uid %u", addr_.local.pid, addr_.local.uid);
    }
    return text;
}

bool operator==(const endpoint& a, const endpoint& b) noexcept {
    return a.family() == b.family() &&
           std::memcmp(&a.addr_, &b.addr_, a.sockaddr_len()) == 0;
}

}  // namespace echo::net
