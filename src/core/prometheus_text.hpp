// The Prometheus text exposition (format 0.0.4) of a metrics snapshot: a pure
// function, so the format is unit-tested without a socket.
#pragma once

#include "core/listener_tallies.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace echo::core {

struct listener_snapshot {
    std::string url;  // the listener label, as announced in "listening on"
    listener_tallies tallies{};
};

struct process_snapshot {
    std::uint64_t resident_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;
    double cpu_seconds = 0;
    double start_time_seconds = 0;  // since the epoch
};

struct metrics_snapshot {
    std::string version;
    std::string engine;
    std::vector<listener_snapshot> listeners;
    // How often the engine's shared resources ran short, by event name.
    std::vector<std::pair<std::string_view, std::uint64_t>> engine_pressure;
    process_snapshot process;
};

[[nodiscard]] std::string prometheus_text(const metrics_snapshot& m);

// A label value with \, " and newline escaped as the format requires.
[[nodiscard]] std::string escape_label(std::string_view value);

}  // namespace echo::core
