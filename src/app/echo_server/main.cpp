// echo-server: parse, wire, run, stop on a signal.
#include "app/echo_server/cli.hpp"
#include "app/echo_server/host_facts.hpp"
#include "app/echo_server/inetd.hpp"
#include "app/echo_server/logging.hpp"
#include "app/echo_server/server.hpp"
#include "app/echo_server/signals.hpp"
#include "core/log_safe.hpp"
#include "io/uring/uring_engine.hpp"
#include "net/setup_error.hpp"

#include <signal.h>

#include <cstdio>
#include <string>
#include <variant>

int main(int argc, char** argv) {
    using namespace echo;
    const auto version = [] {
        return std::string{"echo-server " ECHO_SERVER_VERSION " (engines: epoll"} +
               (io::uring_unavailable() ? ")" : ", io_uring)");
    };
    const auto parsed = app::parse_command_line(argc, argv, app::usable_cpus(), version,
                                                app::process_config_sources());
    if (const auto* done = std::get_if<app::cli_exit>(&parsed)) {
        std::fputs(done->text.c_str(), done->code == 0 ? stdout : stderr);
        return done->code;
    }
    const auto& config = std::get<core::server_config>(parsed);
    int status = 1;
    try {
        if (config.inetd) {
            // One client, no loops: default signal handling ends us, SIGPIPE excepted.
            ::signal(SIGPIPE, SIG_IGN);
            app::start_logging(config);
            status = app::run_inetd(config);
            app::stop_logging();
            return status;
        }
        // Before any thread starts (the logger's too), so every thread inherits the
        // blocked signal mask and only the signalfd sees SIGINT/SIGTERM.
        app::signal_watch signals;
        app::start_logging(config);
        status = app::run_server(config, signals);
    } catch (const net::setup_error& e) {
        std::fprintf(stderr, "echo-server: %s\n", core::one_line(e.what()).c_str());
    }
    app::stop_logging();
    return status;
}
