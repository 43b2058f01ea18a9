// Argument parsing: the tutorial's defaults, each option, and the exit status and
// text of every kind of bad input.
#include "app/echo_server/cli.hpp"

#include "reparse_check.hpp"
#include "server_config_text.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <set>
#include <string>
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
                      std::vector<const char*>{"--admin", "udp://127.0.0.1:1"},
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

// One command_line parsing many command lines, as the fuzz target does: each parse
// must give exactly what a fresh parser gives, whatever came before it.
namespace {

using echo::test::args_list;
using echo::test::describe;
using echo::test::joined;

// Defaults, every option, and every way a parse ends early: help, version, errors
// CLI11 finds, errors found after it, and an error after options were already taken.
const std::vector<args_list> kCommandLines{
    {},
    {"--host", "", "--port", "0", "--backlog", "10", "--threads", "2", "--max-buffer", "1MiB",
     "--drain-timeout", "0.5", "--log-level", "DEBUG", "--engine", "epoll"},
    {"-q"},
    {"--listen", "tcp://127.0.0.1:0?nodelay=0&sndbuf=65536", "--listen", "udp://[::1]:7000",
     "--listen", "unix:@echo?backlog=5"},
    {"--udp-deny-ports", "53,123", "--udp-rate-limit", "10", "--udp-burst", "20"},
    {"--max-connections", "100", "--max-connections-per-ip", "4", "--max-accept-rate", "50",
     "--idle-timeout", "2.5", "--ipv6-prefix-len", "128", "--max-lifetime", "60",
     "--max-connection-bytes", "1MiB"},
    {"--metrics", "tcp://127.0.0.1:9100", "--log-format", "json", "--log-file", "/tmp/e.log",
     "--user", "nobody", "--group", "nogroup", "--inetd"},
    {"--help"},
    {"--version"},
    {"--bogus"},
    {"--port", "65536"},
    {"--backlog"},
    {"--threads", "2", "--threads", "3"},
    {"--listen", "tcp://127.0.0.1:1", "--port", "5"},
    {"--metrics", "unix:/tmp/m"},
    {"--listen", "tcp://127.0.0.1:1?nosuch=1"},
    {"--udp-deny-ports", "1,2", "--host", "::1", "--idle-timeout", "nan"},
};

echo::app::cli_result parse_with(echo::app::command_line& parser, const args_list& args) {
    return echo::test::parse_with(parser, "echo-server", args);
}

std::string version_text() { return "echo-server 9"; }

TEST(Cli, TheTableReachesEveryKindOfOutcome) {
    std::set<std::string> seen;
    int configs = 0, help = 0, version = 0, errors = 0;
    for (const auto& args : kCommandLines) {
        echo::app::command_line fresh{3, version_text};
        const auto r = parse_with(fresh, args);
        EXPECT_TRUE(seen.insert(describe(r)).second) << "two rows give the same:" << joined(args);
        if (const auto* done = std::get_if<cli_exit>(&r)) {
            help += done->code == 0 && done->text.find("--max-buffer") != std::string::npos;
            version += done->code == 0 && done->text == "echo-server 9\n";
            errors += done->code == 2;
        } else {
            ++configs;
        }
    }
    EXPECT_EQ(configs, 7);
    EXPECT_EQ(help, 1);
    EXPECT_EQ(version, 1);
    EXPECT_EQ(errors, 8);
}

TEST(Cli, AReusedParserGivesWhatAFreshOneGives) {
    echo::test::expect_reuse_matches_fresh(kCommandLines, "echo-server",
                                           [] { return echo::app::command_line{3, version_text}; },
                                           describe);
}

TEST(Cli, AMovedParserKeepsWorking) {
    echo::app::command_line first{3, version_text};
    (void)parse_with(first, {"--port", "7"});
    echo::app::command_line moved{std::move(first)};
    EXPECT_EQ(std::get<server_config>(parse_with(moved, {"--port", "8"})).port, 8);
    EXPECT_EQ(std::get<server_config>(parse_with(moved, {})).port, 65432);
}

}  // namespace

namespace {

// CLI11 2.1 keeps a pointer per parsed option across parses; the parser starts over
// before that grows past kMaxRememberedOptions, and parses as before afterwards.
TEST(Cli, WhatCli11RemembersStaysBounded) {
    echo::app::command_line parser{3, version_text};
    std::size_t most = 0;
    bool started_over = false;
    for (std::size_t i = 0; i < echo::app::kMaxRememberedOptions; ++i) {
        const auto before = parser.remembered_options();
        const auto r = parse_with(parser, {"--port", "7", "--threads", "2", "-q"});
        ASSERT_EQ(std::get<server_config>(r).port, 7);
        started_over = started_over || parser.remembered_options() < before;
        most = std::max(most, parser.remembered_options());
    }
    EXPECT_TRUE(started_over);
    EXPECT_LE(most, echo::app::kMaxRememberedOptions + 3);
    EXPECT_EQ(std::get<server_config>(parse_with(parser, {})).port, 65432);
}

}  // namespace
