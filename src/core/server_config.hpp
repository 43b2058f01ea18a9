// Everything the command line decides, as plain data: parsed in app/, read by
// the listeners and the workers.
#pragma once

#include "core/connection_limits.hpp"
#include "core/datagram_guard.hpp"
#include "core/listen_url.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace echo::core {

enum class log_level { error, warn, info, debug };
enum class engine_choice { automatic, epoll, io_uring };
enum class log_format { text, json };

inline constexpr const char* kDefaultHost = "127.0.0.1";
inline constexpr std::uint16_t kDefaultPort = 65432;
inline constexpr std::size_t kDefaultMaxBuffer = 64 * 1024;
inline constexpr std::size_t kMinMaxBuffer = 1024;

struct server_config {
    // --host/--port: the tutorial's one TCP listener, used when `listen` is empty.
    std::string host = kDefaultHost;
    std::uint16_t port = kDefaultPort;
    std::vector<listen_url> listen;  // --listen, in the order given
    std::optional<int> backlog;  // unset: the kernel's somaxconn
    unsigned threads = 1;
    std::size_t max_buffer = kDefaultMaxBuffer;
    std::chrono::duration<double> drain_timeout = std::chrono::seconds{5};
    // After SIGTERM, /readyz says 503 at once but accepting goes on this long, so a
    // balancer's health check sees the backend leave before its port closes.
    std::chrono::duration<double> drain_delay{0};
    log_level level = log_level::info;
    engine_choice engine = engine_choice::automatic;
    datagram_guard_options udp;
    connection_limits limits;
    std::optional<listen_url> metrics;  // --metrics: where /metrics is served, if anywhere
    std::optional<listen_url> admin;    // --admin: where faults are changed at run time
    std::string admin_token_file;       // --admin-token-file: bearer token; empty: loopback only
    log_format format = log_format::text;
    std::string log_file;  // empty: stderr
    std::string user;      // --user: drop to this account after binding
    std::string group;     // --group: and this group (default: the user's)
    bool inetd = false;    // --inetd: echo stdin to stdout once, then exit
};

// The listeners to bind: --listen when given, else the --host/--port listener.
[[nodiscard]] inline std::vector<listen_url> effective_listeners(const server_config& c) {
    if (!c.listen.empty()) {
        return c.listen;
    }
    listen_url tcp;
    tcp.kind = transport::tcp;
    tcp.host = c.host;
    tcp.port = c.port;
    tcp.text = "--host/--port";
    return {tcp};
}

}  // namespace echo::core
