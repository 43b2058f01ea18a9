// Plain SO_SNDBUF/SO_RCVBUF, not the *BUFFORCE variants: a URL should not lift the
// administrator's net.core.[rw]mem_max cap just because the server runs as root.
#include "net/socket_options.hpp"

#include "net/setup_error.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <string>

namespace echo::net {

namespace {

std::string first_line(const char* path) {
    std::ifstream in{path};
    std::string line;
    std::getline(in, line);
    return line.empty() ? "(unreadable)" : line;
}

// What would fix a refused option, where we know.
std::string hint(int level, int name, int err) {
    if (level == SOL_SOCKET && name == SO_MARK && err == EPERM) {
        return " (needs CAP_NET_ADMIN)";
    }
    if (level != IPPROTO_TCP || name != TCP_CONGESTION) {
        return "";
    }
    if (err == ENOENT) {
        return " (this kernel has: " +
               first_line("/proc/sys/net/ipv4/tcp_available_congestion_control") +
               "; see /proc/sys/net/ipv4/tcp_available_congestion_control)";
    }
    if (err == EPERM) {
        return " (without CAP_NET_ADMIN only these: " +
               first_line("/proc/sys/net/ipv4/tcp_allowed_congestion_control") + ")";
    }
    return "";
}

// One socket's option setter, remembering what to name in an error.
class option_setter {
public:
    option_setter(int fd, std::string_view url) : fd_(fd), url_(url) {}

    void set(int level, int name, const char* what, int value) {
        apply(level, name, what, &value, sizeof value, std::to_string(value));
    }
    void set(int level, int name, const char* what, std::uint32_t value) {
        apply(level, name, what, &value, sizeof value, std::to_string(value));
    }
    void set(int level, int name, const char* what, const std::string& value) {
        apply(level, name, what, value.data(), static_cast<socklen_t>(value.size()), value);
    }

private:
    void apply(int level, int name, const char* what, const void* value, socklen_t size,
               const std::string& shown) const {
        if (::setsockopt(fd_, level, name, value, size) != 0) {
            const int err = errno;
            throw setup_error("--listen '" + std::string{url_} + "': setsockopt " + what + "=" +
                              shown + ": " + errno_text(err) + hint(level, name, err));
        }
    }

    int fd_;
    std::string_view url_;
};

}  // namespace

void apply_listener_options(int fd, int family, const core::socket_options& options,
                            std::string_view url) {
    option_setter s{fd, url};
    const bool v6 = family == AF_INET6;
    if (options.freebind) {
        v6 ? s.set(IPPROTO_IPV6, IPV6_FREEBIND, "IPV6_FREEBIND", *options.freebind)
           : s.set(IPPROTO_IP, IP_FREEBIND, "IP_FREEBIND", *options.freebind);
    }
    if (options.sndbuf) {
        s.set(SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", *options.sndbuf);
    }
    if (options.rcvbuf) {
        s.set(SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", *options.rcvbuf);
    }
    if (const auto tclass = options.traffic_class()) {
        // An IPv6 socket carries IPv4 too unless it is v6only; IP_TOS marks that part.
        if (v6) {
            s.set(IPPROTO_IPV6, IPV6_TCLASS, "IPV6_TCLASS", *tclass);
        }
        s.set(IPPROTO_IP, IP_TOS, "IP_TOS", *tclass);
    }
    if (options.mark) {
        s.set(SOL_SOCKET, SO_MARK, "SO_MARK", *options.mark);
    }
    if (options.keepalive) {
        s.set(SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", 1);
        s.set(IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", options.keepalive->idle);
        s.set(IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", options.keepalive->interval);
        s.set(IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", options.keepalive->count);
    }
    if (options.mss) {
        s.set(IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG", *options.mss);
    }
    if (!options.cc.empty()) {
        s.set(IPPROTO_TCP, TCP_CONGESTION, "TCP_CONGESTION", options.cc);
    }
    if (options.fastopen) {
        s.set(IPPROTO_TCP, TCP_FASTOPEN, "TCP_FASTOPEN", *options.fastopen);
    }
    if (options.defer_accept) {
        s.set(IPPROTO_TCP, TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT", *options.defer_accept);
    }
    if (options.user_timeout) {
        s.set(IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", *options.user_timeout);
    }
}

void reset_on_close(int fd) noexcept {
    const ::linger abortive{.l_onoff = 1, .l_linger = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
}

}  // namespace echo::net
