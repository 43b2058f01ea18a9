// Argument parsing: the tutorial's defaults, each option, and the exit status and
// text of every kind of bad input.
#include "app/echo_server/cli.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

using echo::app::cli_exit;
using echo::app::parse_command_line;
using echo::core::server_config;

namespace {

echo::app::cli_result parse(std::initializer_list<const char*> args) {
    std::vector<const char*> argv{"echo-server"};
    argv.insert(argv.end(), args);
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), 3,
                              [] { return std::string{"echo-server 9"}; });
}

server_config config_of(std::initializer_list<const char*> args) {
    auto r = parse(args);
    if (auto* done = std::get_if<cli_exit>(&r)) {
        ADD_FAILURE() << "unexpected exit " << done->code << ": " << done->text;
        return {};
    }
    return std::get<server_config>(r);
}

cli_exit exit_of(std::initializer_list<const char*> args) {
    auto r = parse(args);
    if (!std::holds_alternative<cli_exit>(r)) {
        ADD_FAILURE() << "expected the parse to end the program";
        return {-1, ""};
    }
    return std::get<cli_exit>(r);
}

}  // namespace

TEST(Cli, DefaultsAreTheTutorials) {
    const auto c = config_of({});
    EXPECT_EQ(c.host, "127.0.0.1");
    EXPECT_EQ(c.port, 65432);
    EXPECT_FALSE(c.backlog);
    EXPECT_EQ(c.threads, 3U);
    EXPECT_EQ(c.max_buffer, 64U * 1024);
    EXPECT_DOUBLE_EQ(c.drain_timeout.count(), 5.0);
    EXPECT_EQ(c.level, echo::core::log_level::info);
}

TEST(Cli, ReadsEveryOption) {
    const auto c = config_of({"--host", "", "--port", "0", "--backlog", "10", "--threads", "2",
                              "--max-buffer", "1MiB", "--drain-timeout", "0.5",
                              "--log-level", "DEBUG"});
    EXPECT_EQ(c.host, "");
    EXPECT_EQ(c.port, 0);
    EXPECT_EQ(c.backlog, 10);
    EXPECT_EQ(c.threads, 2U);
    EXPECT_EQ(c.max_buffer, 1024U * 1024);
    EXPECT_DOUBLE_EQ(c.drain_timeout.count(), 0.5);
    EXPECT_EQ(c.level, echo::core::log_level::debug);
}

TEST(Cli, QuietMeansErrorsOnly) {
    EXPECT_EQ(config_of({"--quiet"}).level, echo::core::log_level::error);
    EXPECT_EQ(config_of({"-q", "--log-level", "debug"}).level, echo::core::log_level::error);
}

TEST(Cli, HelpAndVersionExitZero) {
    const auto help = exit_of({"--help"});
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.text.find("--max-buffer"), std::string::npos);
    const auto version = exit_of({"--version"});
    EXPECT_EQ(version.code, 0);
    EXPECT_EQ(version.text, "echo-server 9\n");
}

TEST(Cli, BadInputExitsTwoWithOneLineAndAHint) {
    for (auto args : {std::vector<const char*>{"--bogus"},
                      std::vector<const char*>{"--port", "http"},
                      std::vector<const char*>{"--port", "65536"},
                      std::vector<const char*>{"--port", "-1"},
                      std::vector<const char*>{"--threads", "0"},
                      std::vector<const char*>{"--max-buffer", "12"},
                      std::vector<const char*>{"--log-level", "loud"},
                      std::vector<const char*>{"--backlog"},
                      // NaN passed every range check (the property fuzz/fuzz_cli checks).
                      std::vector<const char*>{"--idle-timeout", "nan"},
                      std::vector<const char*>{"--drain-timeout", "NaN"},
                      std::vector<const char*>{"--udp-rate-limit", "-nan"},
                      std::vector<const char*>{"--max-lifetime", "inf"}}) {
        std::vector<const char*> argv{"echo-server"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = parse_command_line(static_cast<int>(argv.size()), argv.data(), 1,
                                    [] { return std::string{"v"}; });
        ASSERT_TRUE(std::holds_alternative<cli_exit>(r)) << args[0];
        const auto& done = std::get<cli_exit>(r);
        EXPECT_EQ(done.code, 2) << args[0];
        EXPECT_EQ(done.text.rfind("echo-server: ", 0), 0U) << done.text;
        EXPECT_NE(done.text.find("Try 'echo-server --help'"), std::string::npos);
        EXPECT_EQ(std::count(done.text.begin(), done.text.end(), '\n'), 2) << done.text;
    }
}

namespace {

TEST(Cli, LimitsAreOffByDefaultAndReadWhenGiven) {
    const auto off = config_of({});
    EXPECT_FALSE(off.limits.gates_admission());
    EXPECT_EQ(off.limits.idle_timeout.count(), 0);
    EXPECT_EQ(off.limits.ipv6_prefix_len, 64U);
    EXPECT_FALSE(off.metrics);
    EXPECT_EQ(off.format, echo::core::log_format::text);
    const auto on = config_of({"--max-connections", "100", "--max-connections-per-ip", "4",
                               "--max-accept-rate", "50", "--idle-timeout", "2.5",
                               "--ipv6-prefix-len", "128",
                               "--max-lifetime", "60", "--max-connection-bytes", "1MiB",
                               "--metrics", "tcp://127.0.0.1:9100", "--log-format", "json",
                               "--log-file", "/var/log/echo.log"});
    EXPECT_EQ(on.limits.max_connections, 100U);
    EXPECT_EQ(on.limits.max_connections_per_ip, 4U);
    EXPECT_EQ(on.limits.max_accept_rate, 50.0);
    EXPECT_EQ(on.limits.ipv6_prefix_len, 128U);
    EXPECT_EQ(on.limits.idle_timeout.count(), 2.5);
    EXPECT_EQ(on.limits.max_lifetime.count(), 60.0);
    EXPECT_EQ(on.limits.max_connection_bytes, 1U << 20);
    ASSERT_TRUE(on.metrics);
    EXPECT_EQ(on.metrics->port, 9100);
    EXPECT_EQ(on.format, echo::core::log_format::json);
    EXPECT_EQ(on.log_file, "/var/log/echo.log");
}

TEST(Cli, BadOperationsInputIsAUsageError) {
    for (auto args : {std::vector<const char*>{"--max-connections", "-1"},
                      std::vector<const char*>{"--idle-timeout", "-3"},
                      std::vector<const char*>{"--ipv6-prefix-len", "0"},
                      std::vector<const char*>{"--ipv6-prefix-len", "129"},
                      std::vector<const char*>{"--metrics", "unix:/tmp/m"},
                      std::vector<const char*>{"--metrics", "tcp://nohost"},
                      std::vector<const char*>{"--log-format", "yaml"}}) {
        std::vector<const char*> argv{"echo-server"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = parse_command_line(static_cast<int>(argv.size()), argv.data(), 1,
                                    [] { return std::string{}; });
        ASSERT_TRUE(std::holds_alternative<cli_exit>(r)) << args[0] << " " << args[1];
        EXPECT_EQ(std::get<cli_exit>(r).code, 2) << args[0] << " " << args[1];
    }
}

}  // namespace
