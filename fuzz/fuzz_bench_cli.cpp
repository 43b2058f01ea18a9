// Fuzzes echo-bench's command line, one argv word per input line: parsing ends in a
// run description within every option's documented range, or in a message and an
// exit status; no exception escapes.
#include "app/echo_bench/bench_cli.hpp"
#include "argv_words.hpp"
#include "core/message_pattern.hpp"
#include "property.hpp"

#include <cstddef>
#include <cstdint>

namespace {

using echo::fuzz::require;
using echo::fuzz::within;
namespace core = echo::core;

void check_config(const echo::loadgen::bench_config& c) {
    require(c.conns >= 1 && c.conns <= 1'000'000, "--conns is 1-1e6");
    require(c.pipeline >= 1 && c.pipeline <= 1'000'000, "--pipeline is 1-1e6");
    require(c.threads >= 1 && c.threads <= 1024, "--threads is 1-1024");
    require(c.messages_per_conn <= 1'000'000'000, "--messages-per-conn is 0-1e9");
    require(within(c.rate, 0, 1e9), "--rate is 0-1e9");
    require(within(c.connect_rate, 0, 1e9), "--connect-rate is 0-1e9");
    require(within(c.duration.count(), 0.1, 86400), "--duration is 0.1-86400 s");
    require(within(c.warmup.count(), 0, 3600), "--warmup is 0-3600 s");
    require(within(c.drain.count(), 0, 3600), "--drain is 0-3600 s");
    require(within(c.loss_timeout.count(), 0.001, 3600), "--loss-timeout is 0.001-3600 s");
    for (const int pid : c.server_pids) {
        require(pid > 0, "--server-pid is positive");
    }
    const auto& t = c.tls;
    require(!c.target.tls || t.insecure != !t.ca_file.empty(), "a TLS target has --ca or --insecure");
    require(c.target.tls || (!t.insecure && t.ca_file.empty() && !t.resume),
            "TLS options only with a TLS target");
    require(t.cert_file.empty() == t.key_file.empty(), "--cert and --key go together");
    require(!t.min_version || !t.max_version || t.min_version <= t.max_version,
            "--tls-min <= --tls-max");
    require(!c.sizes.empty(), "there is a message size");
    for (const auto s : c.sizes) {
        require(s >= 1 && s <= (64u << 20), "--size is 1-64MiB");
        require(c.target.scheme != "udp" || (s >= core::kMessageHeader && s <= 65507),
                "a udp size fits one datagram");
    }
    const bool web = !c.target.application.empty();
    require(web || (c.http.request_target == "/?format=body" && c.http.verify_body),
            "HTTP options only with an http target");
    require(!c.ws_text || c.target.application == "ws", "--ws-text only with a ws target");
    require(!web || c.http.request_target.starts_with('/'), "a request target starts with '/'");
    for (const char ch : c.http.request_target) {
        require(ch > 0x20 && ch < 0x7f, "the request target cannot split a request line");
    }
    require(!web || c.hogs == 0, "no hogs on http/ws targets");
    const auto again = core::parse_target_url(c.target.to_string());
    require(std::holds_alternative<core::target_url>(again), "the target parses again");
    require(c.command_line.starts_with("echo-bench"), "the command line is kept");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Declared once: building CLI11's options for every input was most of the time.
    static echo::app::bench_command_line parser{true};
    const echo::fuzz::argv_words words{"echo-bench", data, size};
    const auto result = parser.parse(words.argc(), words.argv());
    if (const auto* exit = std::get_if<echo::app::cli_exit>(&result)) {
        require(exit->code == 0 || exit->code == 2, "exit status 0 (help, version) or 2");
        require(exit->code == 0 || exit->text.starts_with("echo-bench: "),
                "a usage error names the program");
        return 0;
    }
    check_config(std::get<echo::loadgen::bench_config>(result));
    return 0;
}
