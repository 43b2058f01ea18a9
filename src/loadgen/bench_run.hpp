// Runs one benchmark: resolve, start the load threads, pace the phases, sample the
// server, print the live line and the report. Returns the exit status.
#pragma once

#include "loadgen/bench_config.hpp"

namespace echo::loadgen {

// 0 when every byte came back right and nothing failed, 1 otherwise. Throws
// net::setup_error when the target cannot be resolved or a thread cannot start.
[[nodiscard]] int run_bench(const bench_config& config);

}  // namespace echo::loadgen
