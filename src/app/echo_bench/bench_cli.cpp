// CLI11 declares and checks the options; the target URL is parsed by core so the
// same rules serve every transport later.
#include "app/echo_bench/bench_cli.hpp"

#include "app/finite_range.hpp"
#include "core/message_pattern.hpp"
#include "core/whole_number.hpp"

#include <CLI/CLI.hpp>
#include <arpa/inet.h>

#include <array>
#include <charconv>

namespace echo::app {

namespace {

struct raw_bench_options {
    std::string target = "tcp://127.0.0.1:65432";
    std::vector<std::string> sizes{"64"};
    double duration = 10, warmup = 1, drain = 10, loss_timeout = 1;
    std::vector<int> server_pids;
    std::string tls_min, tls_max;
    std::string proxy, proxy_source;
    std::string http_path, http_verify = "body";
    bool no_live = false;
};

// ADDR:PORT with an IP literal, [v6]:port for IPv6.
std::optional<core::proxy_endpoint> ip_and_port(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view ip = text.substr(0, colon);
    const bool bracketed = ip.size() >= 2 && ip.front() == '[' && ip.back() == ']';
    if (bracketed) {
        ip = ip.substr(1, ip.size() - 2);
    }
    const auto port = core::whole_number<std::uint16_t>(text.substr(colon + 1));
    const std::string literal{ip};
    std::array<std::uint8_t, 16> raw{};
    core::proxy_endpoint e;
    if (!bracketed && ::inet_pton(AF_INET, literal.c_str(), raw.data()) == 1) {
        e.ip = core::peer_address::ipv4(std::span<const std::uint8_t, 4>{raw.data(), 4});
    } else if (bracketed && ::inet_pton(AF_INET6, literal.c_str(), raw.data()) == 1) {
        e.ip = core::peer_address::ipv6(raw);
    } else {
        return std::nullopt;
    }
    if (!port) {
        return std::nullopt;
    }
    e.port = *port;
    return e;
}

void declare_proxy(CLI::App& app, raw_bench_options& raw) {
    const std::string group = "PROXY protocol (tcp://, tls://, unix: targets)";
    app.add_option("--proxy", raw.proxy, "send a PROXY protocol header first: v1 or v2")
        ->check(CLI::IsMember({"v1", "v2"}))
        ->group(group);
    app.add_option("--proxy-source", raw.proxy_source,
                   "the client the header names, ADDR:PORT or [V6]:PORT (default: the "
                   "connection's own address)")
        ->group(group);
}

std::optional<std::string> check_proxy(loadgen::bench_config& c, const raw_bench_options& raw) {
    if (raw.proxy.empty()) {
        return raw.proxy_source.empty() ? std::nullopt
                                        : std::optional<std::string>{"--proxy-source needs --proxy"};
    }
    c.proxy.version = raw.proxy == "v1" ? 1 : 2;
    if (c.target.scheme == "udp") {
        return "--proxy is for stream targets (tcp://, tls://, unix:)";
    }
    if (!raw.proxy_source.empty()) {
        c.proxy.source = ip_and_port(raw.proxy_source);
        if (!c.proxy.source) {
            return "--proxy-source: '" + raw.proxy_source +
                   "' is not ADDR:PORT (an IP literal, [V6]:PORT for IPv6)";
        }
    } else if (c.target.scheme == "unix") {
        return "--proxy on a unix: target needs --proxy-source (the socket has no address)";
    }
    if (c.hogs > 0) {
        return "--hogs send raw bytes and never read: not with --proxy";
    }
    return std::nullopt;
}

void declare_http(CLI::App& app, loadgen::bench_config& c, raw_bench_options& raw) {
    const std::string group = "HTTP and WebSocket (http://, https://, ws://, wss:// targets)";
    app.add_option("--http-path", raw.http_path,
                   "http: the request target of every POST (default /?format=body; or "
                   "give it in the URL)")
        ->group(group);
    app.add_option("--http-verify", raw.http_verify,
                   "http: body (the response body is the request's, byte for byte) or "
                   "status (a 2xx is enough: for servers that do not echo)")
        ->check(CLI::IsMember({"body", "status"}))
        ->capture_default_str()
        ->group(group);
    app.add_flag("--ws-text", c.ws_text,
                 "ws: send text messages (their bytes kept 7-bit ASCII) instead of binary")
        ->group(group);
}

// The application options against the target; the request target from the URL or
// --http-path, never both.
std::optional<std::string> check_http(loadgen::bench_config& c, const raw_bench_options& raw) {
    const auto& app = c.target.application;
    if (app != "http" && (!raw.http_path.empty() || raw.http_verify != "body")) {
        return "--http-path and --http-verify need an http:// or https:// target";
    }
    if (app != "ws" && c.ws_text) {
        return "--ws-text needs a ws:// or wss:// target";
    }
    if (app.empty()) {
        return std::nullopt;
    }
    if (!raw.http_path.empty() && !c.target.resource.empty()) {
        return "the request target is in the URL and in --http-path: give it once";
    }
    c.http.verify_body = raw.http_verify == "body";
    if (!c.target.resource.empty()) {
        c.http.request_target = c.target.resource;
    } else if (!raw.http_path.empty()) {
        c.http.request_target = raw.http_path;
        auto url = core::parse_target_url("http://h:1" + raw.http_path);
        if (std::holds_alternative<core::url_error>(url)) {
            return "--http-path: '" + raw.http_path +
                   "' is not /PATH?QUERY in visible ASCII without '#' (at most 4096 bytes)";
        }
    } else if (app == "ws") {
        c.http.request_target = "/";
    }
    if (c.hogs > 0) {
        return "--hogs send raw bytes and never read: not for http:// or ws:// targets";
    }
    if (c.target.tls && c.tls.alpn.empty()) {
        c.tls.alpn = {"http/1.1"};  // both HTTP/1.1 and its WebSocket upgrade
    }
    return std::nullopt;
}

void declare_tls(CLI::App& app, loadgen::tls_settings& t, raw_bench_options& raw) {
    const std::string group = "TLS (tls://, https://, wss:// and unix+tls: targets)";
    app.add_flag("--insecure", t.insecure, "do not verify the server's certificate")
        ->group(group);
    app.add_option("--ca", t.ca_file, "verify the server's certificate and name against "
                                      "these CAs (PEM); this or --insecure is required")
        ->group(group);
    app.add_option("--sni", t.sni, "server name to send and verify (default: the host, when "
                                   "it is a name)")->group(group);
    app.add_option("--alpn", t.alpn, "protocols to offer, comma-separated")->delimiter(',')
        ->group(group);
    app.add_option("--cert", t.cert_file, "client certificate chain (PEM)")->group(group);
    app.add_option("--key", t.key_file, "the client certificate's key (PEM)")->group(group);
    app.add_option("--tls-min", raw.tls_min, "lowest version: 1.2 or 1.3")
        ->check(CLI::IsMember({"1.2", "1.3"}))->group(group);
    app.add_option("--tls-max", raw.tls_max, "highest version: 1.2 or 1.3")
        ->check(CLI::IsMember({"1.2", "1.3"}))->group(group);
    app.add_option("--ciphers", t.ciphers, "TLS 1.2 cipher list (OpenSSL syntax)")->group(group);
    app.add_option("--ciphersuites", t.ciphersuites, "TLS 1.3 cipher suites (OpenSSL syntax)")
        ->group(group);
    app.add_flag("--resume", t.resume, "each new connection resumes the last session of its "
                                       "thread (default: full handshakes)")->group(group);
}

// The TLS options against the target: required, exclusive and paired ones.
std::optional<std::string> check_tls(loadgen::bench_config& c, const raw_bench_options& raw) {
    auto& t = c.tls;
    t.min_version = raw.tls_min.empty() ? 0 : raw.tls_min == "1.2" ? 12 : 13;
    t.max_version = raw.tls_max.empty() ? 0 : raw.tls_max == "1.2" ? 12 : 13;
    const bool any = t.insecure || !t.ca_file.empty() || !t.sni.empty() || !t.alpn.empty() ||
                     !t.cert_file.empty() || !t.key_file.empty() || t.min_version ||
                     t.max_version || !t.ciphers.empty() || !t.ciphersuites.empty() || t.resume;
    if (!c.target.tls) {
        return any ? std::optional<std::string>{
                         "TLS options need a tls://, https://, wss:// or unix+tls: target"}
                   : std::nullopt;
    }
    if (t.insecure == !t.ca_file.empty()) {
        return t.insecure ? "--insecure and --ca exclude each other"
                          : "a TLS target needs --ca PATH (verify the server) or --insecure";
    }
    if (t.cert_file.empty() != t.key_file.empty()) {
        return "--cert and --key go together";
    }
    if (t.min_version && t.max_version && t.min_version > t.max_version) {
        return "--tls-min is above --tls-max";
    }
    for (const auto& name : t.alpn) {
        if (name.empty() || name.size() > 255) {
            return "--alpn: each protocol name is 1 to 255 bytes";
        }
    }
    if (c.hogs > 0) {
        return "--hogs send raw bytes and never read: not for TLS targets";
    }
    return std::nullopt;
}

void declare(CLI::App& app, loadgen::bench_config& c, raw_bench_options& raw) {
    app.add_option("target", raw.target,
                   "tcp://HOST:PORT, tls://HOST:PORT, udp://HOST:PORT, http(s)://HOST:PORT[/PATH], "
                   "ws(s)://HOST:PORT[/PATH], unix:/path, unix+tls:/path (unix:@name for the "
                   "abstract namespace)")
        ->capture_default_str();
    app.add_option("-c,--conns", c.conns, "connections")->check(CLI::Range(1, 1'000'000))
        ->capture_default_str();
    app.add_option("-s,--size", raw.sizes,
                   "message size in bytes, or a list to pick from uniformly (64,1024,16384)")
        ->delimiter(',')->capture_default_str();
    app.add_option("-p,--pipeline", c.pipeline, "closed loop: messages in flight per connection")
        ->check(CLI::Range(1, 1'000'000))->capture_default_str();
    app.add_option("--messages-per-conn", c.messages_per_conn,
                   "closed loop: close each connection after this many messages and open "
                   "a new one (measures connection churn); 0 = never")
        ->check(CLI::Range(0, 1'000'000'000));
    app.add_option("-r,--rate", c.rate,
                   "open loop: messages/s in total, latency from the intended send time")
        ->check(finite_range(0.0, 1e9));
    app.add_option("-d,--duration", raw.duration, "measured seconds")
        ->check(finite_range(0.1, 86400.0))->capture_default_str();
    app.add_option("-w,--warmup", raw.warmup, "seconds of load before measuring")
        ->check(finite_range(0.0, 3600.0))->capture_default_str();
    app.add_option("--drain", raw.drain, "seconds to wait for owed echoes at the end")
        ->check(finite_range(0.0, 3600.0))->capture_default_str();
    app.add_option("--loss-timeout", raw.loss_timeout,
                   "udp: seconds after which an unanswered datagram counts as lost")
        ->check(finite_range(0.001, 3600.0))->capture_default_str();
    app.add_option("-t,--threads", c.threads, "load threads")->check(CLI::Range(1, 1024))
        ->capture_default_str();
    app.add_option("--connect-rate", c.connect_rate, "connections opened per second (ramp)")
        ->check(finite_range(0.0, 1e9));
    app.add_option("--streamers", c.streamers,
                   "antagonists: connections that echo --streamer-size blocks flat out, "
                   "verified but outside the measured figures")
        ->check(CLI::Range(0, 100'000));
    app.add_option("--streamer-size", c.streamer_size, "bytes per streamer block")
        ->check(CLI::Range(1, 64 << 20))->capture_default_str();
    app.add_option("--hogs", c.hogs,
                   "antagonists: connections opened before the measured ones that send "
                   "until their send buffer is full and never read, held open for the run")
        ->check(CLI::Range(0, 1'000'000));
    app.add_option("--server-pid", raw.server_pids,
                   "report these processes' CPU per message and RSS, summed "
                   "(comma-separated: a TLS terminator and the server behind it)")
        ->delimiter(',')->check(CLI::PositiveNumber);
    app.add_flag("--json", c.json, "print one JSON object instead of the table");
    app.add_flag("--no-live", raw.no_live, "no once-a-second line on a terminal");
}

std::optional<std::string> apply(loadgen::bench_config& c, const raw_bench_options& raw) {
    auto url = core::parse_target_url(raw.target);
    if (auto* err = std::get_if<core::url_error>(&url)) {
        return err->message;
    }
    c.target = std::get<core::target_url>(url);
    c.sizes.clear();
    for (const auto& s : raw.sizes) {
        std::size_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc{} || end != s.data() + s.size() || v < 1 || v > (64u << 20)) {
            return "--size: '" + s + "' is not a size from 1 to 67108864 bytes";
        }
        c.sizes.push_back(static_cast<std::uint32_t>(v));
    }
    if (c.messages_per_conn > 0 && (c.rate > 0 || c.target.scheme == "udp")) {
        return "--messages-per-conn is for closed-loop stream connections";
    }
    if (c.target.scheme == "udp" && (c.streamers > 0 || c.hogs > 0)) {
        return "--streamers and --hogs are stream connections: tcp:// or unix: targets";
    }
    if (c.target.scheme == "udp") {
        for (auto size : c.sizes) {
            if (size < core::kMessageHeader || size > 65507) {
                return "--size: udp messages are 16 to 65507 bytes (a datagram each)";
            }
        }
    }
    c.loss_timeout = std::chrono::duration<double>{raw.loss_timeout};
    c.duration = std::chrono::duration<double>{raw.duration};
    c.warmup = std::chrono::duration<double>{raw.warmup};
    c.drain = std::chrono::duration<double>{raw.drain};
    c.server_pids = raw.server_pids;
    if (auto problem = check_proxy(c, raw)) {
        return problem;
    }
    if (auto problem = check_tls(c, raw)) {
        return problem;
    }
    return check_http(c, raw);
}

cli_exit usage_error(const std::string& what) {
    return {2, "echo-bench: " + what + "\nTry 'echo-bench --help' for more information.\n"};
}

}  // namespace

// The App holds references into `c` and `raw`: they stay at one address (behind
// bench_command_line's pointer) and are reset by assignment.
struct bench_command_line::parser {
    explicit parser(bool is_interactive)
        : interactive{is_interactive},
          app{"echo-bench: load generator that verifies every echoed byte", "echo-bench"} {
        app.set_version_flag("--version", std::string{kVersion});
        declare(app, c, raw);
        declare_tls(app, c.tls, raw);
        declare_proxy(app, raw);
        declare_http(app, c, raw);
    }

    static constexpr const char* kVersion = "echo-bench " ECHO_VERSION;

    bool interactive;
    loadgen::bench_config c;
    raw_bench_options raw;
    CLI::App app;
};

bench_command_line::bench_command_line(bool interactive)
    : parser_{std::make_unique<parser>(interactive)} {}
bench_command_line::~bench_command_line() = default;
bench_command_line::bench_command_line(bench_command_line&&) noexcept = default;
bench_command_line& bench_command_line::operator=(bench_command_line&&) noexcept = default;

bench_cli_result bench_command_line::parse(int argc, const char* const* argv) {
    // As in command_line::parse: CLI11 2.1 never forgets the order of parsed options.
    if (parser_->app.parse_order().size() > kMaxRememberedOptions) {
        parser_ = std::make_unique<parser>(parser_->interactive);
    }
    auto& p = *parser_;
    // CLI11 forgets its own parse state; the values it wrote are ours to reset.
    p.app.clear();
    p.c = loadgen::bench_config{};
    p.raw = raw_bench_options{};
    try {
        p.app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return cli_exit{0, p.app.help()};
    } catch (const CLI::CallForVersion&) {
        return cli_exit{0, std::string{parser::kVersion} + "\n"};
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }
    auto c = p.c;
    if (auto problem = apply(c, p.raw)) {
        return usage_error(*problem);
    }
    c.live = p.interactive && !p.raw.no_live && !c.json;
    for (int i = 0; i < argc; ++i) {
        c.command_line += (i ? " " : "") + std::string{argv[i]};
    }
    return c;
}

std::size_t bench_command_line::remembered_options() const {
    return parser_->app.parse_order().size();
}

bench_cli_result parse_bench_command_line(int argc, const char* const* argv, bool interactive) {
    return bench_command_line{interactive}.parse(argc, argv);
}

}  // namespace echo::app
