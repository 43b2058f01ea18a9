// The stale-file check connects to the existing socket: refused means nobody
// accepts there any more (a crashed server left it), anything else means it is
// in use or not ours to remove.
#include "net/unix_listener.hpp"

#include "net/setup_error.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace echo::net {

namespace {

std::string url_of(const std::string& path, bool abstract) {
    return std::string{"unix:"} + (abstract ? "@" : "") + path;
}

sockaddr_un address(const std::string& path, bool abstract, socklen_t& len) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    const std::size_t offset = abstract ? 1 : 0;  // abstract names start with a NUL
    std::memcpy(sa.sun_path + offset, path.data(), path.size());
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + path.size() +
                                 (abstract ? 0 : 1));
    return sa;
}

void remove_if_stale(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        return;  // nothing there
    }
    if (!S_ISSOCK(st.st_mode)) {
        throw setup_error("bind unix:" + path + ": exists and is not a socket; not replacing it");
    }
    unique_fd probe{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    socklen_t len = 0;
    const sockaddr_un sa = address(path, false, len);
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&sa), len) == 0) {
        throw setup_error("bind unix:" + path +
                          ": another process accepts connections on it");
    }
    if (errno != ECONNREFUSED) {
        throw setup_error("bind unix:" + path + ": cannot tell whether it is in use (" +
                          errno_text(errno) + ")");
    }
    ::unlink(path.c_str());
}

}  // namespace

unix_socket_file::unix_socket_file(unix_socket_file&& other) noexcept
    : path_(std::move(other.path_)), inode_(std::exchange(other.inode_, 0)) {
    other.path_.clear();
}

unix_socket_file& unix_socket_file::operator=(unix_socket_file&& other) noexcept {
    std::swap(path_, other.path_);
    std::swap(inode_, other.inode_);
    return *this;
}

unix_socket_file::~unix_socket_file() {
    struct stat st {};
    if (!path_.empty() && ::lstat(path_.c_str(), &st) == 0 && st.st_ino == inode_) {
        ::unlink(path_.c_str());
    }
}

unix_listener open_unix_listener(const std::string& path, bool abstract,
                                 const unix_listen_options& options) {
    const std::string url = url_of(path, abstract);
    if (!abstract) {
        remove_if_stale(path);
    }
    unix_listener out;
    out.fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!out.fd) {
        throw setup_error("socket " + url + ": " + errno_text(errno));
    }
    socklen_t len = 0;
    const sockaddr_un sa = address(path, abstract, len);
    if (::bind(out.fd.get(), reinterpret_cast<const sockaddr*>(&sa), len) != 0) {
        throw setup_error("bind " + url + ": " + errno_text(errno));
    }
    if (!abstract) {
        struct stat st {};
        ::lstat(path.c_str(), &st);
        out.file = unix_socket_file{path, st.st_ino};
        // Before listen(), so nobody connects while the default permissions hold.
        if (options.mode && ::chmod(path.c_str(), *options.mode) != 0) {
            throw setup_error("chmod " + url + ": " + errno_text(errno));
        }
    }
    if (::listen(out.fd.get(), options.backlog) != 0) {
        throw setup_error("listen " + url + ": " + errno_text(errno));
    }
    return out;
}

unix_credentials peer_credentials(int fd) noexcept {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return {};
    }
    return {cred.pid, cred.uid};
}

}  // namespace echo::net
