// echo-bench: parse, run, report; the exit status says whether every byte was right.
#include "app/echo_bench/bench_cli.hpp"
#include "loadgen/bench_run.hpp"
#include "net/setup_error.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
    using namespace echo;
    ::signal(SIGPIPE, SIG_IGN);
    const auto parsed = app::parse_bench_command_line(argc, argv, ::isatty(STDERR_FILENO) == 1);
    if (const auto* done = std::get_if<app::cli_exit>(&parsed)) {
        std::fputs(done->text.c_str(), done->code == 0 ? stdout : stderr);
        return done->code;
    }
    try {
        return loadgen::run_bench(std::get<loadgen::bench_config>(parsed));
    } catch (const net::setup_error& e) {
        std::fprintf(stderr, "echo-bench: %s\n", e.what());
        return 1;
    }
}
