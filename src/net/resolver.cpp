// Binding every address of a hostname, rather than the first DNS answer, makes the
// result the same on every start (the tutorial's warning about hostnames).
#include "net/resolver.hpp"

#include "net/setup_error.hpp"

#include <netdb.h>

#include <algorithm>
#include <memory>
#include <string>

namespace echo::net {

namespace {

struct addrinfo_deleter {
    void operator()(addrinfo* ai) const noexcept { ::freeaddrinfo(ai); }
};

std::vector<endpoint> lookup(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* raw = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &raw);
    if (rc != 0) {
        throw setup_error("resolve host '" + host + "': " + ::gai_strerror(rc));
    }
    std::unique_ptr<addrinfo, addrinfo_deleter> list{raw};
    std::vector<endpoint> out;
    for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
        auto e = endpoint::from_sockaddr(ai->ai_addr, ai->ai_addrlen);
        if (!e) {
            continue;
        }
        e->set_port(port);
        if (std::find(out.begin(), out.end(), *e) == out.end()) {
            out.push_back(*e);
        }
    }
    if (out.empty()) {
        throw setup_error("resolve host '" + host + "': no IPv4 or IPv6 address");
    }
    return out;
}

}  // namespace

std::vector<endpoint> resolve_listen_addresses(std::string_view host, std::uint16_t port,
                                               std::string_view scope) {
    if (!scope.empty()) {
        if (auto scoped = endpoint::from_literal(host, port, scope)) {
            return {*scoped};
        }
        throw setup_error("resolve host '" + std::string{host} + "%" + std::string{scope} +
                          "': not an IPv6 literal with a known interface");
    }
    if (host.empty()) {
        return {*endpoint::from_literal("0.0.0.0", port)};
    }
    if (auto literal = endpoint::from_literal(host, port)) {
        return {*literal};
    }
    return lookup(std::string{host}, port);
}

}  // namespace echo::net
