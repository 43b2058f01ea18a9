// Everything the command line decides, as plain data: parsed in app/, read by
// the listeners and the workers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace echo::core {

enum class log_level { error, warn, info, debug };

inline constexpr const char* kDefaultHost = "127.0.0.1";
inline constexpr std::uint16_t kDefaultPort = 65432;
inline constexpr std::size_t kDefaultMaxBuffer = 64 * 1024;
inline constexpr std::size_t kMinMaxBuffer = 1024;

struct server_config {
    std::string host = kDefaultHost;
    std::uint16_t port = kDefaultPort;
    std::optional<int> backlog;  // unset: the kernel's somaxconn
    unsigned threads = 1;
    std::size_t max_buffer = kDefaultMaxBuffer;
    std::chrono::duration<double> drain_timeout = std::chrono::seconds{5};
    log_level level = log_level::info;
};

}  // namespace echo::core
