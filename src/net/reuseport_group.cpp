// Socket setup with error messages a user can act on; nothing here runs on the
// data path.
#include "net/reuseport_group.hpp"

#include "net/setup_error.hpp"
#include "net/socket_options.hpp"

#include <netinet/in.h>

#include <cerrno>
#include <string>

namespace echo::net {

namespace {

std::string bind_hint(int err) {
    switch (err) {
        case EADDRINUSE:
            return " (another process listens there; choose another --port, or --port 0 "
                   "for a free one)";
        case EACCES:
            return " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
        case EADDRNOTAVAIL:
            return " (no interface of this machine has that address)";
        default:
            return "";
    }
}

[[noreturn]] void fail(const std::string& call, const endpoint& at, int err) {
    throw setup_error(call + " " + at.to_string() + ": " + errno_text(err) +
                      (call == "bind" ? bind_hint(err) : ""));
}

void set_flag(int fd, int level, int name, const char* what, const endpoint& at) {
    const int one = 1;
    if (::setsockopt(fd, level, name, &one, sizeof one) != 0) {
        fail(std::string{"setsockopt "} + what, at, errno);
    }
}

unique_fd bound_socket(const endpoint& at, int type, bool reuseport,
                       const listen_options& options) {
    unique_fd fd{::socket(at.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (!fd) {
        fail("socket", at, errno);
    }
    // The probe socket too: without freebind it could not bind a non-local address.
    apply_listener_options(fd.get(), at.family(), options.socket, options.url);
    // SO_REUSEADDR only lets a restart bind over connections in TIME_WAIT; it never
    // lets two listeners share a port.
    set_flag(fd.get(), SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", at);
    if (reuseport) {
        set_flag(fd.get(), SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT", at);
    }
    if (options.v6only && at.family() == AF_INET6) {
        set_flag(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY", at);
    }
    if (::bind(fd.get(), at.sockaddr_ptr(), at.sockaddr_len()) != 0) {
        fail("bind", at, errno);
    }
    return fd;
}

}  // namespace

endpoint local_endpoint(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        throw setup_error("getsockname: " + errno_text(errno));
    }
    auto e = endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
    if (!e) {
        throw setup_error("getsockname: not an IP socket");
    }
    return *e;
}

namespace {

std::vector<unique_fd> bind_group(endpoint at, int type, unsigned count,
                                  const listen_options& options) {
    if (at.port() != 0) {
        // A socket without SO_REUSEPORT cannot bind where anyone else is bound,
        // whoever they are; it is closed again before the group binds.
        (void)bound_socket(at, type, false, options);
    }
    std::vector<unique_fd> fds;
    for (unsigned i = 0; i < count; ++i) {
        fds.push_back(bound_socket(at, type, true, options));
        if (at.port() == 0) {
            at = local_endpoint(fds.back().get());  // the rest join the port we got
        }
    }
    return fds;
}

}  // namespace

std::vector<unique_fd> open_tcp_listeners(endpoint at, unsigned count,
                                          const listen_options& options) {
    auto fds = bind_group(at, SOCK_STREAM, count, options);
    for (auto& fd : fds) {
        if (::listen(fd.get(), options.backlog) != 0) {
            fail("listen", local_endpoint(fd.get()), errno);
        }
    }
    return fds;
}

std::vector<unique_fd> open_udp_sockets(endpoint at, unsigned count,
                                        const listen_options& options) {
    auto fds = bind_group(at, SOCK_DGRAM, count, options);
    // A burst of small datagrams overflows the default 208 KiB (each costs ~1 KiB
    // of buffer accounting) long before the loop is busy; the kernel caps the
    // request at net.core.rmem_max, which is fine. A URL's ?rcvbuf= overrides it.
    const int bytes = 4 << 20;
    for (auto& fd : fds) {
        if (!options.socket.rcvbuf) {
            ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
        }
        // Each datagram then says which of our addresses it was sent to, so the echo
        // leaves from that address: on a wildcard socket the kernel would otherwise
        // pick the route's source, which a client of a VIP or a second address drops.
        // On an IPv6 socket IPV6_RECVPKTINFO alone also covers v4-mapped traffic
        // (the kernel reports ::ffff:a.b.c.d and accepts it back when sending).
        if (at.family() == AF_INET6) {
            set_flag(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", at);
        } else {
            set_flag(fd.get(), IPPROTO_IP, IP_PKTINFO, "IP_PKTINFO", at);
        }
    }
    return fds;
}

}  // namespace echo::net
