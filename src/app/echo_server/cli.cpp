// CLI11 does the parsing; this file only declares the options, puts the environment
// and the config file under the command line, and turns CLI11's outcomes into the
// project's exit conventions.
#include "app/echo_server/cli.hpp"

#include "app/echo_server/setting_layers.hpp"
#include "app/finite_range.hpp"
#include "core/log_safe.hpp"

#include <CLI/CLI.hpp>

#include <map>
#include <tuple>

namespace echo::app {

namespace {

const std::map<std::string, core::log_level> kLevels{
    {"error", core::log_level::error},
    {"warn", core::log_level::warn},
    {"info", core::log_level::info},
    {"debug", core::log_level::debug},
};

struct raw_options {
    std::vector<std::string> listen;
    std::vector<std::uint16_t> udp_deny;
    long port = core::kDefaultPort;
    int backlog = 0;
    std::size_t max_buffer = 0;
    double drain_timeout = 0;
    double drain_delay = 0;
    std::string level = "info";
    std::string engine = "auto";
    std::string log_format = "text";
    std::string metrics;
    std::string admin;
    std::string config_file;
    double idle_timeout = 0;
    double max_lifetime = 0;
    bool quiet = false;
};

void declare_limits(CLI::App& app, core::connection_limits& limits, raw_options& raw) {
    const auto* group = "Limits (0 = none; over a limit a connection is accepted and closed)";
    app.add_option("--max-connections", limits.max_connections, "open at once, all listeners")
        ->check(CLI::Range(0LL, 1'000'000'000LL))
        ->group(group);
    app.add_option("--max-connections-per-ip", limits.max_connections_per_ip,
                   "open at once from one client address")
        ->check(CLI::Range(0LL, 1'000'000'000LL))
        ->group(group);
    app.add_option("--ipv6-prefix-len", limits.ipv6_prefix_len,
                   "--max-connections-per-ip counts IPv6 clients by this network: 64 = one "
                   "subscriber's /64, 128 = each address")
        ->check(CLI::Range(1, 128))
        ->capture_default_str()
        ->group(group);
    app.add_option("--max-accept-rate", limits.max_accept_rate,
                   "new connections per second, all listeners (token bucket)")
        ->check(finite_range(0.0, 1e9))
        ->group(group);
    app.add_option("--idle-timeout", raw.idle_timeout,
                   "seconds without traffic either way before a connection is closed")
        ->check(finite_range(0.0, 1e7))
        ->group(group);
    app.add_option("--max-lifetime", raw.max_lifetime, "seconds a connection may stay open")
        ->check(finite_range(0.0, 1e7))
        ->group(group);
    app.add_option("--max-connection-bytes", limits.max_connection_bytes,
                   "bytes a connection may send before it is closed (e.g. 1MiB)")
        ->transform(CLI::AsSizeValue(false))
        ->group(group);
}

void declare_operations(CLI::App& app, core::server_config& cfg, raw_options& raw) {
    app.add_option("--metrics", raw.metrics,
                   "serve Prometheus /metrics, /healthz and /readyz at tcp://HOST:PORT");
    app.add_option("--admin", raw.admin,
                   "serve the fault admin API (GET /listeners, PUT|DELETE "
                   "/listeners/NAME/faults) at tcp://HOST:PORT; loopback unless a token is set");
    app.add_option("--admin-token-file", cfg.admin_token_file,
                   "file holding the bearer token every admin request must carry");
    app.add_option("--log-format", raw.log_format, "text or json (one object per line)")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    app.add_option("--log-file", cfg.log_file, "append logs to this file; SIGHUP reopens it");
    app.add_option("--user", cfg.user, "after binding, run as this user (needs root)");
    app.add_option("--group", cfg.group, "after binding, run as this group [default: the user's]");
    app.add_flag("--inetd", cfg.inetd,
                 "echo one connection on stdin/stdout and exit (inetd, xinetd, systemd Accept=yes)");
}

void declare(CLI::App& app, core::server_config& cfg, raw_options& raw) {
    app.add_option("--config", raw.config_file,
                   "read settings from this TOML file: one key per option, as in "
                   "max-buffer = \"1MiB\" or listen = [\"tcp://[::]:7\", \"udp://[::]:7\"]")
        ->type_name("FILE");
    app.footer("Every option but --help and --version can also be set by a variable, "
               "--max-buffer by ECHO_SERVER_MAX_BUFFER (a list separated by spaces), and "
               "every one but --config by a key of the --config file. The command line "
               "wins over the environment, which wins over the file; a list comes whole "
               "from one of them.");
    app.add_option("--listen", raw.listen,
                   "tcp://HOST:PORT, udp://HOST:PORT, unix:/path or unix:@name, with "
                   "?backlog=N, ?ipv6only=0|1, ?mode=0660; tcp and udp also take socket "
                   "options (see the man page): nodelay, keepalive=IDLE,INTVL,CNT, sndbuf, "
                   "rcvbuf, tos|dscp, mss, cc, fastopen, defer_accept, user_timeout, mark, "
                   "freebind; tls://HOST:PORT and unix+tls:/path take cert=PATH&key=PATH "
                   "(repeat for SNI), ca, verify=none|optional|require, min=1.2|1.3, "
                   "alpn=LIST, handshake_timeout=SEC, handshakes_per_ip=N, strict=0|1; "
                   "all but http(s) take service=echo|discard|chargen|daytime|time, and udp "
                   "chargen_from=CIDR,...; repeatable; replaces --host/--port");
    app.add_option("--host", cfg.host,
                   "IPv4/IPv6 literal or hostname (all its addresses); \"\" = all IPv4")
        ->capture_default_str();
    app.add_option("--port", raw.port, "TCP port, 1-65535; 0 picks a free one")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    app.add_option("--backlog", raw.backlog, "listen() backlog [default: somaxconn]")
        ->check(CLI::Range(1, 1 << 30));
    app.add_option("--threads", cfg.threads, "event loops, one per core")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    app.add_option("--max-buffer", raw.max_buffer,
                   "bytes held per connection before it stops reading (e.g. 64KiB)")
        ->transform(CLI::AsSizeValue(false))
        ->check(CLI::Range(core::kMinMaxBuffer, std::size_t{1} << 30))
        ->default_str("64KiB");
    app.add_option("--drain-timeout", raw.drain_timeout,
                   "seconds to keep serving open connections after SIGTERM/SIGINT")
        ->check(finite_range(0.0, 86400.0))
        ->default_str("5");
    app.add_option("--drain-delay", raw.drain_delay,
                   "seconds between SIGTERM making /readyz answer 503 and the server no longer "
                   "accepting, for balancers to notice")
        ->check(finite_range(0.0, 3600.0))
        ->default_str("0");
    app.add_option("--log-level", raw.level, "error|warn|info|debug")
        ->transform(CLI::IsMember(kLevels, CLI::ignore_case))
        ->capture_default_str();
    app.add_flag("-q,--quiet", raw.quiet, "log errors only");
    app.add_option("--engine", raw.engine,
                   "auto (io_uring where it works, else epoll), epoll or io_uring")
        ->check(CLI::IsMember({"auto", "epoll", "io_uring"}))
        ->capture_default_str();
    app.add_option("--udp-deny-ports", raw.udp_deny,
                   "UDP source ports never answered, besides 0, 7, 13, 17, 19 and 37")
        ->delimiter(',');
    app.add_option("--udp-rate-limit", cfg.udp.rate_per_source,
                   "datagrams/s answered per source address; 0 = no limit")
        ->check(finite_range(0.0, 1e9));
    app.add_option("--udp-burst", cfg.udp.burst,
                   "datagrams a source may send at once [default: one second's worth]")
        ->check(finite_range(0.0, 1e9));
}

cli_exit usage_error(const std::string& what) {
    // `what` may quote an environment value or a config file's text: one line, always.
    return {2, "echo-server: " + core::one_line(what) + "\nTry 'echo-server --help' for more information.\n"};
}

// Puts the environment, then the config file (named on the command line or by
// ECHO_SERVER_CONFIG), under what CLI11 parsed from argv.
std::optional<std::string> add_lower_layers(CLI::App& app, const config_sources& sources,
                                            const raw_options& raw, setting_origins& origins) {
    if (auto error = apply_environment(app, sources.variable, origins)) {
        return error;
    }
    if (raw.config_file.empty()) {
        return std::nullopt;
    }
    auto text = sources.file(raw.config_file);
    if (const auto* bad = std::get_if<unreadable_file>(&text)) {
        return origins.prefix("--config") + "cannot read config file " + raw.config_file + ": " +
               bad->reason;
    }
    return apply_config_file(app, raw.config_file, std::get<std::string>(text), origins);
}

// What CLI11 cannot check alone: --listen against --host/--port, the URLs, and the
// raw values turned into the config's types.
cli_result finish(const CLI::App& app, core::server_config cfg, const raw_options& raw,
                  const setting_origins& origins) {
    cfg.port = static_cast<std::uint16_t>(raw.port);
    cfg.udp.extra_denied_ports = raw.udp_deny;
    // --listen and --host/--port say the same thing: from one source they conflict;
    // from two, the stronger source says where to listen.
    const auto listen_from = origins.of("--listen");
    const auto address_from = std::max(origins.of("--host"), origins.of("--port"));
    if (listen_from == address_from && !raw.listen.empty()) {
        return usage_error(origins.prefix("--listen") +
                           "--listen replaces --host/--port; give one or the other");
    }
    if (listen_from > address_from) {
        auto parsed = core::parse_listen_urls(raw.listen);
        if (auto* err = std::get_if<core::listen_url_error>(&parsed)) {
            return usage_error(origins.prefix("--listen") + err->message);
        }
        cfg.listen = std::get<std::vector<core::listen_url>>(parsed);
    }
    if (app.count("--backlog") > 0) {
        cfg.backlog = raw.backlog;
    }
    if (app.count("--max-buffer") > 0) {
        cfg.max_buffer = raw.max_buffer;
    }
    if (app.count("--drain-timeout") > 0) {
        cfg.drain_timeout = std::chrono::duration<double>{raw.drain_timeout};
    }
    cfg.drain_delay = std::chrono::duration<double>{raw.drain_delay};
    cfg.limits.idle_timeout = std::chrono::duration<double>{raw.idle_timeout};
    cfg.limits.max_lifetime = std::chrono::duration<double>{raw.max_lifetime};
    cfg.format = raw.log_format == "json" ? core::log_format::json : core::log_format::text;
    for (auto [name, text, into] : {std::tuple{"--metrics", &raw.metrics, &cfg.metrics},
                                    std::tuple{"--admin", &raw.admin, &cfg.admin}}) {
        if (text->empty()) {
            continue;
        }
        auto parsed = core::parse_listen_urls({*text});
        auto* urls = std::get_if<std::vector<core::listen_url>>(&parsed);
        if (urls == nullptr || urls->front().kind != core::transport::tcp) {
            return usage_error(origins.prefix(name) + name + ": expected tcp://HOST:PORT, got '" +
                               *text + "'");
        }
        *into = urls->front();
    }
    cfg.level = kLevels.at(raw.level);
    cfg.engine = raw.engine == "epoll"      ? core::engine_choice::epoll
                 : raw.engine == "io_uring" ? core::engine_choice::io_uring
                                            : core::engine_choice::automatic;
    // --quiet beats --log-level from the same source, as on one command line.
    if (raw.quiet && origins.of("--quiet") >= origins.of("--log-level")) {
        cfg.level = core::log_level::error;
    }
    return cfg;
}

}  // namespace

// The App holds references into `cfg` and `raw`, so all three live together at a
// fixed address (behind command_line's pointer) and are reset by assignment, never
// replaced.
struct command_line::parser {
    parser(unsigned cpus, std::function<std::string()> version, config_sources outside)
        : version_text{std::move(version)},
          sources{std::move(outside)},
          app{kDescription, "echo-server"} {
        defaults.threads = cpus;
        cfg = defaults;
        app.set_version_flag("--version", version_text);  // CLI11 calls it only for --version
        declare(app, cfg, raw);
        declare_limits(app, cfg.limits, raw);
        declare_operations(app, cfg, raw);
    }

    static constexpr const char* kDescription =
        "echo-server: echoes every byte back to its sender (TCP, UDP, Unix; RFC 862)";

    std::function<std::string()> version_text;
    config_sources sources;
    core::server_config defaults;
    core::server_config cfg;
    raw_options raw;
    CLI::App app;
};

command_line::command_line(unsigned cpus, std::function<std::string()> version_text,
                           config_sources sources)
    : parser_{std::make_unique<parser>(cpus, std::move(version_text), std::move(sources))} {}
command_line::~command_line() = default;
command_line::command_line(command_line&&) noexcept = default;
command_line& command_line::operator=(command_line&&) noexcept = default;

cli_result command_line::parse(int argc, const char* const* argv) {
    // CLI11 2.1's App::clear() leaves App::parse_order_, one pointer per option ever
    // parsed, to grow without bound; a new parser now and then keeps it small.
    if (parser_->app.parse_order().size() > kMaxRememberedOptions) {
        parser_ = std::make_unique<parser>(parser_->defaults.threads,
                                           std::move(parser_->version_text),
                                           std::move(parser_->sources));
    }
    auto& p = *parser_;
    // CLI11 forgets what it parsed (results, counts, callback state); the values it
    // wrote into are ours to reset, since it only writes the options it was given.
    p.app.clear();
    p.cfg = p.defaults;
    p.raw = raw_options{};
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg{argv[i]};
        const auto equals = arg.find('=');
        if (nests_too_deep(arg) ||
            (equals != std::string_view::npos && nests_too_deep(arg.substr(equals + 1)))) {
            return usage_error(std::string{kNestedListError});
        }
    }
    try {
        p.app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return cli_exit{0, p.app.help()};
    } catch (const CLI::CallForVersion&) {
        return cli_exit{0, p.version_text() + "\n"};
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }
    setting_origins origins{p.app};
    if (auto error = add_lower_layers(p.app, p.sources, p.raw, origins)) {
        return usage_error(*error);
    }
    return finish(p.app, p.cfg, p.raw, origins);
}

std::size_t command_line::remembered_options() const {
    return parser_->app.parse_order().size();
}

cli_result parse_command_line(int argc, const char* const* argv, unsigned cpus,
                              const std::function<std::string()>& version_text,
                              config_sources sources) {
    return command_line{cpus, version_text, std::move(sources)}.parse(argc, argv);
}

}  // namespace echo::app
