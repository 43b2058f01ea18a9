// Each passed descriptor is identified by asking the kernel (SO_TYPE, SO_ACCEPTCONN,
// the bound address), not by trusting FileDescriptorName=.
#include "net/systemd.hpp"

#include "core/socket_activation.hpp"
#include "net/endpoint.hpp"
#include "net/reuseport_group.hpp"
#include "net/setup_error.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace echo::net {

namespace {

std::optional<std::string_view> env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::nullopt : std::optional<std::string_view>{v};
}

int int_option(int fd, int level, int name) {
    int v = 0;
    socklen_t len = sizeof v;
    return ::getsockopt(fd, level, name, &v, &len) == 0 ? v : -1;
}

std::string unix_url(int fd) {
    sockaddr_un sa{};
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    const std::size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    if (n > 0 && sa.sun_path[0] == '\0') {
        return "unix:@" + std::string{sa.sun_path + 1, n - 1};
    }
    return "unix:" + std::string{sa.sun_path, ::strnlen(sa.sun_path, n)};
}

passed_socket identify(int fd) {
    const std::string which = "passed descriptor " + std::to_string(fd);
    const int type = int_option(fd, SOL_SOCKET, SO_TYPE);
    const int family = int_option(fd, SOL_SOCKET, SO_DOMAIN);
    if (type < 0) {
        throw setup_error(which + " is not a socket");
    }
    const bool ip = family == AF_INET || family == AF_INET6;
    if (type == SOCK_STREAM && int_option(fd, SOL_SOCKET, SO_ACCEPTCONN) != 1) {
        throw setup_error(which + " is a stream socket that is not listening (use Accept=no, "
                          "or --inetd under Accept=yes)");
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    unique_fd owned{fd};
    if (type == SOCK_STREAM && ip) {
        auto url = "tcp://" + local_endpoint(fd).to_string();
        return {std::move(owned), core::transport::tcp, std::move(url)};
    }
    if (type == SOCK_DGRAM && ip) {
        auto url = "udp://" + local_endpoint(fd).to_string();
        return {std::move(owned), core::transport::udp, std::move(url)};
    }
    if (type == SOCK_STREAM && family == AF_UNIX) {
        return {std::move(owned), core::transport::unix_stream, unix_url(fd)};
    }
    throw setup_error(which + ": only TCP, UDP and Unix stream sockets are served");
}

}  // namespace

std::vector<passed_socket> take_passed_sockets() {
    const auto parsed = core::parse_socket_activation(env("LISTEN_PID"), env("LISTEN_FDS"),
                                                      static_cast<long>(::getpid()));
    if (const auto* err = std::get_if<std::string>(&parsed)) {
        throw setup_error("socket activation: " + *err);
    }
    const int count = std::get<core::passed_fds>(parsed).count;
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    std::vector<passed_socket> out;
    for (int i = 0; i < count; ++i) {
        out.push_back(identify(core::kFirstPassedFd + i));
    }
    return out;
}

bool systemd_notify_wanted() noexcept {
    return std::getenv("NOTIFY_SOCKET") != nullptr;
}

void notify_systemd(std::string_view state) noexcept {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || path[0] == '\0') {
        return;
    }
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    const std::size_t n = std::strlen(path);
    if (n >= sizeof sa.sun_path) {
        return;
    }
    std::memcpy(sa.sun_path, path, n);
    if (sa.sun_path[0] == '@') {
        sa.sun_path[0] = '\0';  // abstract namespace
    }
    unique_fd s{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (s) {
        (void)::sendto(s.get(), state.data(), state.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&sa),
                       static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n));
    }
}

}  // namespace echo::net
