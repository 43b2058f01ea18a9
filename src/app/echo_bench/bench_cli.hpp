// The command line of echo-bench, parsed into a bench_config or into what to print
// and the exit status. No I/O here.
#pragma once

#include "app/echo_server/cli.hpp"
#include "loadgen/bench_config.hpp"

#include <variant>

namespace echo::app {

using bench_cli_result = std::variant<loadgen::bench_config, cli_exit>;

// `interactive` (stderr is a terminal) turns the live line on unless --no-live.
[[nodiscard]] bench_cli_result parse_bench_command_line(int argc, const char* const* argv,
                                                        bool interactive);

}  // namespace echo::app
