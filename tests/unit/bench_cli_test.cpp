// echo-bench's command line: defaults aim at the server's defaults; bad input
// exits 2 with a hint.
#include "app/echo_bench/bench_cli.hpp"

#include <gtest/gtest.h>

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
        {{"tcp://h:1", "--insecure"}, "need a tls:// or unix+tls: target"},
        {{"--resume"}, "need a tls:// or unix+tls: target"},
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
