// A run's outcome as people read it (a table) and as programs read it (one JSON
// object with stable keys).
#pragma once

#include "loadgen/bench_config.hpp"
#include "loadgen/hog_pool.hpp"
#include "loadgen/run_result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace echo::loadgen {

struct server_usage {
    std::vector<int> pids;  // CPU and RSS are their sums
    double cpu_seconds = 0;  // during the measured window
    std::uint64_t rss_after_connect = 0;
    std::uint64_t rss_at_end = 0;
};

struct bench_report {
    const bench_config& config;
    const run_result& result;
    double seconds;  // the measured window
    std::optional<server_usage> server;
    const run_result& streamers;  // --streamers: their blocks, bytes and errors
    const hog_tally& hogs;
};

[[nodiscard]] std::string format_table(const bench_report& r);
[[nodiscard]] std::string format_json(const bench_report& r);

}  // namespace echo::loadgen
