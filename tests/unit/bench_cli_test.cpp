// echo-bench's command line: defaults aim at the server's defaults; bad input
// exits 2 with a hint.
#include "app/echo_bench/bench_cli.hpp"

#include "reparse_check.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

using echo::app::cli_exit;
using echo::app::parse_bench_command_line;
using echo::loadgen::bench_config;

namespace {

echo::app::bench_cli_result parse(std::vector<const char*> args) {
    args.insert(args.begin(), "echo-bench");
    return parse_bench_command_line(static_cast<int>(args.size()), args.data(), true);
}

}  // namespace

TEST(BenchCli, DefaultsTargetTheServersDefaults) {
    const auto c = std::get<bench_config>(parse({}));
    EXPECT_EQ(c.target.host, "127.0.0.1");
    EXPECT_EQ(c.target.port, 65432);
    EXPECT_EQ(c.conns, 1U);
    EXPECT_EQ(c.sizes, std::vector<std::uint32_t>{64});
    EXPECT_EQ(c.rate, 0);
    EXPECT_TRUE(c.live);
    EXPECT_EQ(c.command_line, "echo-bench");
}

TEST(BenchCli, ReadsTheLoadShape) {
    const auto c = std::get<bench_config>(parse({"tcp://[::1]:9", "--conns", "50", "--size",
                                                 "64,1024,16384", "--pipeline", "16", "--rate",
                                                 "5000", "--duration", "2", "--json",
                                                 "--server-pid", "42"}));
    EXPECT_EQ(c.target.host, "::1");
    EXPECT_EQ(c.conns, 50U);
    EXPECT_EQ(c.sizes, (std::vector<std::uint32_t>{64, 1024, 16384}));
    EXPECT_EQ(c.pipeline, 16U);
    EXPECT_EQ(c.rate, 5000);
    EXPECT_DOUBLE_EQ(c.duration.count(), 2.0);
    EXPECT_TRUE(c.json);
    EXPECT_FALSE(c.live) << "no live line mixed into JSON";
    EXPECT_EQ(c.server_pids, std::vector<int>{42});
}

TEST(BenchCli, AntagonistsAreOffByDefaultAndReadFromTheirFlags) {
    const auto d = std::get<bench_config>(parse({}));
    EXPECT_EQ(d.streamers, 0U);
    EXPECT_EQ(d.hogs, 0U);
    EXPECT_EQ(d.streamer_size, 1U << 20) << "1 MiB blocks unless told otherwise";
    const auto c = std::get<bench_config>(parse({"unix:/run/echo.sock", "--conns", "10",
                                                 "--streamers", "2", "--streamer-size",
                                                 "65536", "--hogs", "1000"}));
    EXPECT_EQ(c.streamers, 2U);
    EXPECT_EQ(c.streamer_size, 65536U);
    EXPECT_EQ(c.hogs, 1000U);
    EXPECT_EQ(c.conns, 10U) << "the measured connections keep their own count";
}

TEST(BenchCli, BadInputExitsTwo) {
    for (auto args : {std::vector<const char*>{"--conns", "0"},
                      std::vector<const char*>{"--size", "0"},
                      std::vector<const char*>{"--size", "64,x"},
                      std::vector<const char*>{"sctp://h:1"},
                      std::vector<const char*>{"--bogus"},
                      std::vector<const char*>{"--messages-per-conn", "1", "--rate", "10"},
                      std::vector<const char*>{"udp://h:1", "--size", "8"},
                      std::vector<const char*>{"udp://h:1", "--hogs", "1"},
                      std::vector<const char*>{"udp://h:1", "--streamers", "1"},
                      std::vector<const char*>{"--streamer-size", "0"},
                      std::vector<const char*>{"--hogs", "-1"},
                      // NaN passed every range check (the property fuzz/fuzz_bench_cli checks).
                      std::vector<const char*>{"--duration", "nan"},
                      std::vector<const char*>{"--rate", "nan"},
                      std::vector<const char*>{"--loss-timeout", "NAN"}}) {
        const auto r = parse(args);
        ASSERT_TRUE(std::holds_alternative<cli_exit>(r)) << args[0];
        const auto& e = std::get<cli_exit>(r);
        EXPECT_EQ(e.code, 2);
        EXPECT_EQ(e.text.rfind("echo-bench: ", 0), 0U) << e.text;
    }
}

TEST(BenchCli, ServerPidsAreAListToSum) {
    const auto c = std::get<bench_config>(parse({"--server-pid", "42,43", "--server-pid", "7"}));
    EXPECT_EQ(c.server_pids, (std::vector<int>{42, 43, 7}));
    EXPECT_TRUE(std::get<bench_config>(parse({})).server_pids.empty());
    EXPECT_TRUE(std::holds_alternative<cli_exit>(parse({"--server-pid", "42,0"})));
}

TEST(BenchCli, ReadsTheTlsOptions) {
    const auto c = std::get<bench_config>(parse(
        {"tls://localhost:8443", "--ca", "/etc/ca.pem", "--sni", "echo.example", "--alpn",
         "echo,h2", "--cert", "c.pem", "--key", "c.key", "--tls-min", "1.2", "--tls-max", "1.3",
         "--ciphersuites", "TLS_AES_128_GCM_SHA256", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256",
         "--resume"}));
    EXPECT_TRUE(c.target.tls);
    EXPECT_EQ(c.tls.ca_file, "/etc/ca.pem");
    EXPECT_FALSE(c.tls.insecure);
    EXPECT_EQ(c.tls.sni, "echo.example");
    EXPECT_EQ(c.tls.alpn, (std::vector<std::string>{"echo", "h2"}));
    EXPECT_EQ(c.tls.cert_file, "c.pem");
    EXPECT_EQ(c.tls.key_file, "c.key");
    EXPECT_EQ(c.tls.min_version, 12);
    EXPECT_EQ(c.tls.max_version, 13);
    EXPECT_EQ(c.tls.ciphersuites, "TLS_AES_128_GCM_SHA256");
    EXPECT_EQ(c.tls.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
    EXPECT_TRUE(c.tls.resume);
    const auto d = std::get<bench_config>(parse({"unix+tls:@echo", "--insecure"}));
    EXPECT_TRUE(d.tls.insecure);
    EXPECT_FALSE(d.tls.resume) << "full handshakes unless --resume";
    EXPECT_EQ(d.tls.min_version, 0) << "OpenSSL's defaults unless told";
}

TEST(BenchCli, TlsOptionsAreCheckedAgainstTheTarget) {
    const std::string long_name(256, 'a');  // ALPN names are length-prefixed by one byte
    const std::vector<std::pair<std::vector<const char*>, const char*>> cases = {
        {{"tls://h:1"}, "needs --ca PATH"},
        {{"tls://h:1", "--insecure", "--ca", "x"}, "exclude each other"},
        {{"tcp://h:1", "--insecure"}, "need a tls://, https://, wss:// or unix+tls: target"},
        {{"--resume"}, "need a tls://, https://, wss:// or unix+tls: target"},
        {{"tls://h:1", "--insecure", "--cert", "c.pem"}, "--cert and --key go together"},
        {{"tls://h:1", "--insecure", "--key", "c.key"}, "--cert and --key go together"},
        {{"tls://h:1", "--insecure", "--tls-min", "1.3", "--tls-max", "1.2"}, "above --tls-max"},
        {{"tls://h:1", "--insecure", "--tls-min", "1.1"}, "--tls-min"},
        {{"tls://h:1", "--insecure", "--alpn", long_name.c_str()}, "--alpn"},
        {{"tls://h:1", "--insecure", "--hogs", "1"}, "not for TLS targets"},
    };
    for (const auto& [args, why] : cases) {
        const auto r = parse(args);
        ASSERT_TRUE(std::holds_alternative<cli_exit>(r)) << why;
        const auto& e = std::get<cli_exit>(r);
        EXPECT_EQ(e.code, 2);
        EXPECT_NE(e.text.find(why), std::string::npos) << e.text;
    }
}
// http(s):// and ws(s)://: the request target from the URL or --http-path, body
// verification unless --http-verify status, ALPN http/1.1 over TLS unless --alpn.
TEST(BenchCli, HttpAndWebSocketOptions) {
    auto c = std::get<bench_config>(parse({"http://h:1"}));
    EXPECT_EQ(c.target.application, "http");
    EXPECT_EQ(c.http.request_target, "/?format=body");
    EXPECT_TRUE(c.http.verify_body);
    c = std::get<bench_config>(parse({"http://h:1/echo?x=1", "--http-verify", "status"}));
    EXPECT_EQ(c.http.request_target, "/echo?x=1");
    EXPECT_FALSE(c.http.verify_body);
    c = std::get<bench_config>(parse({"http://h:1", "--http-path", "/p"}));
    EXPECT_EQ(c.http.request_target, "/p");
    c = std::get<bench_config>(parse({"ws://h:1"}));
    EXPECT_EQ(c.target.application, "ws");
    EXPECT_EQ(c.http.request_target, "/");
    EXPECT_FALSE(c.ws_text);
    EXPECT_TRUE(c.tls.alpn.empty());
    c = std::get<bench_config>(parse({"wss://h:1/s", "--insecure", "--ws-text"}));
    EXPECT_EQ(c.http.request_target, "/s");
    EXPECT_TRUE(c.ws_text);
    EXPECT_EQ(c.tls.alpn, std::vector<std::string>{"http/1.1"});
    c = std::get<bench_config>(parse({"https://h:1", "--ca", "ca.pem", "--alpn", "h2,http/1.1"}));
    EXPECT_EQ(c.tls.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
    const std::vector<std::pair<std::vector<const char*>, const char*>> cases = {
        {{"tcp://h:1", "--http-path", "/"}, "need an http:// or https:// target"},
        {{"ws://h:1", "--http-verify", "status"}, "need an http:// or https:// target"},
        {{"http://h:1", "--ws-text"}, "--ws-text needs a ws://"},
        {{"http://h:1", "--http-verify", "headers"}, "--http-verify"},
        {{"http://h:1/a", "--http-path", "/b"}, "give it once"},
        {{"http://h:1", "--http-path", "x"}, "is not /PATH?QUERY"},
        {{"http://h:1", "--http-path", "/a b"}, "is not /PATH?QUERY"},
        {{"ws://h:1", "--hogs", "1"}, "not for http:// or ws:// targets"},
        {{"wss://h:1"}, "needs --ca PATH"},
    };
    for (const auto& [args, why] : cases) {
        const auto r = parse(args);
        ASSERT_TRUE(std::holds_alternative<cli_exit>(r)) << why;
        EXPECT_NE(std::get<cli_exit>(r).text.find(why), std::string::npos)
            << std::get<cli_exit>(r).text;
    }
}

// One bench_command_line parsing many command lines, as the fuzz target does: each
// parse must give exactly what a fresh parser gives, whatever came before it.
namespace {

using echo::test::args_list;
using echo::test::joined;

// Every field of the result, so two results compare equal only when they are.
std::string describe(const echo::app::bench_cli_result& r) {
    std::ostringstream out;
    if (const auto* done = std::get_if<cli_exit>(&r)) {
        out << "exit " << done->code << ": " << done->text;
        return out.str();
    }
    const auto& c = std::get<bench_config>(r);
    out << "target=" << c.target.to_string() << " conns=" << c.conns << " sizes=";
    for (auto size : c.sizes) {
        out << size << ",";
    }
    out << " pipeline=" << c.pipeline << " per_conn=" << c.messages_per_conn
        << " rate=" << c.rate << " duration=" << c.duration.count()
        << " warmup=" << c.warmup.count() << " drain=" << c.drain.count()
        << " loss=" << c.loss_timeout.count() << " threads=" << c.threads
        << " streamers=" << c.streamers << " streamer_size=" << c.streamer_size
        << " hogs=" << c.hogs << " connect_rate=" << c.connect_rate
        << " pids=" << c.server_pids.size() << " json=" << c.json << " live=" << c.live
        << " tls=" << c.target.tls << c.tls.insecure << c.tls.resume << c.tls.ca_file << c.tls.sni
        << " alpn=" << c.tls.alpn.size() << " http=" << c.http.request_target
        << c.http.verify_body << " ws_text=" << c.ws_text
        << " command_line=" << c.command_line;
    return out.str();
}

// Defaults, every option, and every way a parse ends early: help, version, errors
// CLI11 finds, errors found after it, and an error after options were already taken.
const std::vector<args_list> kCommandLines{
    {},
    {"tcp://[::1]:9", "--conns", "50", "--size", "64,1024,16384", "--pipeline", "16",
     "--rate", "5000", "--duration", "2", "--warmup", "0", "--drain", "3", "--json",
     "--server-pid", "42", "--threads", "4", "--connect-rate", "100"},
    {"udp://127.0.0.1:7", "--size", "32", "--loss-timeout", "0.5", "--no-live"},
    {"unix:/run/echo.sock", "--streamers", "2", "--streamer-size", "65536", "--hogs", "10",
     "--messages-per-conn", "5"},
    {"--help"},
    {"--version"},
    {"--bogus"},
    {"--conns", "0"},
    {"--size"},
    {"--size", "64,x"},
    {"sctp://h:1"},
    {"udp://h:1", "--hogs", "1"},
    {"--messages-per-conn", "1", "--rate", "10"},
    {"--json", "--size", "128", "--duration", "nan"},
    {"ws://h:1/chat", "--ws-text"},
    {"https://h:1", "--insecure", "--http-verify", "status", "--http-path", "/x"},
    {"http://h:1/a", "--http-path", "/b"},
};

echo::app::bench_cli_result parse_with(echo::app::bench_command_line& parser,
                                       const args_list& args) {
    return echo::test::parse_with(parser, "echo-bench", args);
}

TEST(BenchCli, TheTableReachesEveryKindOfOutcome) {
    std::set<std::string> seen;
    int configs = 0, help = 0, version = 0, errors = 0;
    for (const auto& args : kCommandLines) {
        echo::app::bench_command_line fresh{true};
        const auto r = parse_with(fresh, args);
        EXPECT_TRUE(seen.insert(describe(r)).second) << "two rows give the same:" << joined(args);
        if (const auto* done = std::get_if<cli_exit>(&r)) {
            help += done->code == 0 && done->text.find("--streamers") != std::string::npos;
            version += done->code == 0 && done->text.starts_with("echo-bench ");
            errors += done->code == 2;
        } else {
            ++configs;
        }
    }
    EXPECT_EQ(configs, 6);
    EXPECT_EQ(help, 1);
    EXPECT_EQ(version, 1);
    EXPECT_EQ(errors, 9);
}

TEST(BenchCli, AReusedParserGivesWhatAFreshOneGives) {
    echo::test::expect_reuse_matches_fresh(kCommandLines, "echo-bench",
                                           [] { return echo::app::bench_command_line{true}; },
                                           describe);
}

}  // namespace

namespace {

// As Cli.WhatCli11RemembersStaysBounded, for echo-bench's parser.
TEST(BenchCli, WhatCli11RemembersStaysBounded) {
    echo::app::bench_command_line parser{true};
    std::size_t most = 0;
    bool started_over = false;
    for (std::size_t i = 0; i < echo::app::kMaxRememberedOptions; ++i) {
        const auto before = parser.remembered_options();
        const auto r = parse_with(parser, {"tcp://127.0.0.1:9", "--conns", "3", "--json"});
        ASSERT_EQ(std::get<bench_config>(r).conns, 3U);
        started_over = started_over || parser.remembered_options() < before;
        most = std::max(most, parser.remembered_options());
    }
    EXPECT_TRUE(started_over);
    EXPECT_LE(most, echo::app::kMaxRememberedOptions + 3);
    EXPECT_EQ(std::get<bench_config>(parse_with(parser, {})).conns, 1U);
}

}  // namespace
