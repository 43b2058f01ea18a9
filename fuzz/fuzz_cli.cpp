// Fuzzes echo-server's command line, one argv word per input line: parsing ends in a
// configuration within every option's documented range, or in a message and an exit
// status; no exception escapes.
#include "app/echo_server/cli.hpp"
#include "argv_words.hpp"
#include "property.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

using echo::fuzz::require;
using echo::fuzz::within;
namespace core = echo::core;

void check_config(const core::server_config& c) {
    require(c.threads >= 1 && c.threads <= 1024, "--threads is 1-1024");
    require(!c.backlog || (*c.backlog >= 1 && *c.backlog <= (1 << 30)), "--backlog is 1-2^30");
    require(c.max_buffer >= core::kMinMaxBuffer && c.max_buffer <= (std::size_t{1} << 30),
            "--max-buffer is 1KiB-1GiB");
    require(within(c.drain_timeout.count(), 0, 86400), "--drain-timeout is 0-86400 s");
    require(within(c.limits.idle_timeout.count(), 0, 1e7), "--idle-timeout is 0-1e7 s");
    require(within(c.limits.max_lifetime.count(), 0, 1e7), "--max-lifetime is 0-1e7 s");
    require(within(c.limits.max_accept_rate, 0, 1e9), "--max-accept-rate is 0-1e9");
    require(within(c.udp.rate_per_source, 0, 1e9), "--udp-rate-limit is 0-1e9");
    require(within(c.udp.burst, 0, 1e9), "--udp-burst is 0-1e9");
    for (const auto& url : c.listen) {
        require(std::holds_alternative<core::listen_url>(core::parse_listen_url(url.text)),
                "every --listen URL parses on its own");
    }
    require(!c.metrics || c.metrics->kind == core::transport::tcp, "--metrics is tcp");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Declared once: building CLI11's options for every input was most of the time.
    static echo::app::command_line parser{4, [] { return std::string{"echo-server fuzz"}; }};
    const echo::fuzz::argv_words words{"echo-server", data, size};
    const auto result = parser.parse(words.argc(), words.argv());
    if (const auto* exit = std::get_if<echo::app::cli_exit>(&result)) {
        require(exit->code == 0 || exit->code == 2, "exit status 0 (help, version) or 2");
        require(exit->code == 0 || exit->text.starts_with("echo-server: "),
                "a usage error names the program");
        return 0;
    }
    check_config(std::get<core::server_config>(result));
    return 0;
}
