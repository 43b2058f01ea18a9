// The systemd socket-activation handshake (sd_listen_fds(3)) as a pure function of
// the environment: which descriptors, starting at 3, were passed to this process.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace echo::core {

inline constexpr int kFirstPassedFd = 3;

struct passed_fds {
    int count = 0;
};

// `listen_pid` and `listen_fds` are the variables' values (nullopt when unset).
// Not for us (unset, or LISTEN_PID names another process): count 0. A malformed value
// is an error message, since silently binding instead would hide a broken unit.
[[nodiscard]] std::variant<passed_fds, std::string> parse_socket_activation(
    std::optional<std::string_view> listen_pid, std::optional<std::string_view> listen_fds,
    long own_pid);

// The sd_notify(3) state line for STATUS=, READY=1 and the like, as one datagram.
[[nodiscard]] std::string notify_status(std::string_view status);

}  // namespace echo::core
