// What the running server reports about itself: the SIGUSR1/STATUS= line, the
// Prometheus text, and the UDP summary at exit, all read from the workers' tallies.
#pragma once

#include "server/worker.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace echo::app {

using worker_list = std::vector<std::unique_ptr<server::worker>>;

// Seconds since the epoch, for process_start_time_seconds and uptimes.
[[nodiscard]] double unix_now();
[[nodiscard]] std::string status_line(const worker_list& workers, std::size_t sockets,
                                      double start_time);
[[nodiscard]] std::string metrics_text(const worker_list& workers,
                                       const std::vector<std::string>& urls,
                                       std::string_view engine, double start_time);
// One log line per UDP socket that saw traffic: what was echoed, what was dropped and why.
void report_datagrams(const worker_list& workers, const std::vector<std::string>& urls);

}  // namespace echo::app
