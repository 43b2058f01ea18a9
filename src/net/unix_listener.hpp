// A listening Unix stream socket at a path or in the abstract namespace, and the
// socket file's removal when the server stops.
#pragma once

#include "net/unique_fd.hpp"

#include <sys/types.h>

#include <optional>
#include <string>

namespace echo::net {

struct unix_listen_options {
    int backlog = 128;
    std::optional<unsigned> mode;  // permission bits for the socket file
};

// Removes the socket file it names on destruction, if it is still the one we bound
// (same inode), so a server that lost its path to another never deletes theirs.
class unix_socket_file {
public:
    unix_socket_file() = default;
    unix_socket_file(std::string path, ino_t inode) : path_(std::move(path)), inode_(inode) {}
    unix_socket_file(unix_socket_file&& other) noexcept;
    unix_socket_file& operator=(unix_socket_file&& other) noexcept;
    ~unix_socket_file();

private:
    std::string path_;
    ino_t inode_ = 0;
};

struct unix_listener {
    unique_fd fd;
    unix_socket_file file;  // empty for abstract names
};

// Binds and listens. A stale socket file (nothing accepts on it) is replaced; a
// live one, or a file that is not a socket, is a setup_error naming the path.
[[nodiscard]] unix_listener open_unix_listener(const std::string& path, bool abstract,
                                               const unix_listen_options& options);

// The peer's credentials (SO_PEERCRED) as pid and uid; -1 and ~0u when unknown.
struct unix_credentials {
    int pid = -1;
    unsigned uid = ~0U;
};
[[nodiscard]] unix_credentials peer_credentials(int fd) noexcept;

}  // namespace echo::net
