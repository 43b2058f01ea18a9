// Numbers are parsed strictly: "3x" or an empty LISTEN_FDS is a unit-file mistake
// worth reporting, not a reason to fall back to binding ports ourselves.
#include "core/socket_activation.hpp"

#include <charconv>

namespace echo::core {

namespace {

std::optional<long> parse_number(std::string_view s) {
    long v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v < 0) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

std::variant<passed_fds, std::string> parse_socket_activation(
    std::optional<std::string_view> listen_pid, std::optional<std::string_view> listen_fds,
    long own_pid) {
    if (!listen_fds) {
        return passed_fds{};
    }
    if (listen_pid) {
        const auto pid = parse_number(*listen_pid);
        if (!pid) {
            return "LISTEN_PID='" + std::string{*listen_pid} + "' is not a process id";
        }
        if (*pid != own_pid) {
            return passed_fds{};  // meant for the process that exec'd us
        }
    }
    const auto n = parse_number(*listen_fds);
    if (!n || *n > 1024) {
        return "LISTEN_FDS='" + std::string{*listen_fds} + "' is not a descriptor count";
    }
    return passed_fds{static_cast<int>(*n)};
}

std::string notify_status(std::string_view status) {
    std::string line = "STATUS=";
    for (char c : status) {
        line += c == '\n' ? ' ' : c;  // one variable per line in the protocol
    }
    return line;
}

}  // namespace echo::core
