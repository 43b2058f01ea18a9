// The command line of echo-bench, parsed into a bench_config or into what to print
// and the exit status. No I/O here.
#pragma once

#include "app/echo_server/cli.hpp"
#include "loadgen/bench_config.hpp"

#include <memory>
#include <variant>

namespace echo::app {

using bench_cli_result = std::variant<loadgen::bench_config, cli_exit>;

// echo-bench's options declared once and parsed any number of times, each parse from
// the defaults (as app::command_line does for echo-server). One parse at a time.
class bench_command_line {
public:
    // `interactive` (stderr is a terminal) turns the live line on unless --no-live.
    explicit bench_command_line(bool interactive);
    ~bench_command_line();
    bench_command_line(bench_command_line&&) noexcept;
    bench_command_line& operator=(bench_command_line&&) noexcept;

    [[nodiscard]] bench_cli_result parse(int argc, const char* const* argv);

    // As command_line::remembered_options(): bounded, whatever the number of parses.
    [[nodiscard]] std::size_t remembered_options() const;

private:
    struct parser;  // CLI11 and the values it writes to, kept out of this header
    std::unique_ptr<parser> parser_;
};

// One bench_command_line, one parse: what main does.
[[nodiscard]] bench_cli_result parse_bench_command_line(int argc, const char* const* argv,
                                                        bool interactive);

}  // namespace echo::app
