// Listeners are bound in the main thread, so every setup error surfaces before the
// first "listening on" line; the workers then own them, one set per thread.
#include "app/echo_server/server.hpp"

#include "app/echo_server/host_facts.hpp"
#include "app/echo_server/listener_stages.hpp"
#include "app/echo_server/logging.hpp"
#include "app/echo_server/admin_api.hpp"
#include "app/echo_server/http_endpoint.hpp"
#include "app/echo_server/metrics_routes.hpp"
#include "app/echo_server/privileges.hpp"
#include "app/echo_server/server_status.hpp"
#include "app/echo_server/signals.hpp"
#include "core/backlog.hpp"
#include "core/socket_activation.hpp"
#include "net/resolver.hpp"
#include "net/unix_listener.hpp"
#include "net/systemd.hpp"
#include "net/setup_error.hpp"
#include "net/reuseport_group.hpp"
#include "server/engine_choice.hpp"
#include "server/worker.hpp"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <cstdio>
#include <thread>

namespace echo::app {

namespace {

constexpr std::uint32_t kMaxChunkSize = 16 * 1024;

using socket_sets = std::vector<std::vector<server::worker_socket>>;

// What binding leaves behind besides the sockets: the announced URLs and the
// Unix socket files to remove at exit.
struct bound_sockets {
    socket_sets per_thread;
    std::vector<std::string> urls;   // one per socket index
    std::vector<net::unix_socket_file> files;
    listener_stages stages;  // what each listener puts before the echo (TLS)
    std::vector<admin_listener> admin;  // one per socket index: what the admin API changes
};

int listen_backlog(const core::server_config& config, std::optional<int> own) {
    const int cap = somaxconn();
    const auto choice = core::choose_backlog(own ? own : config.backlog, cap);
    if (choice.capped) {
        spdlog::warn("backlog {} is above net.core.somaxconn; the kernel caps it at {}",
                     choice.value, cap);
    }
    return choice.value;
}

std::string url_of(const core::listen_url& url, const net::endpoint& e) {
    const char* scheme = url.http ? (url.tls ? "https://" : "http://")
                         : url.tls ? "tls://"
                         : url.kind == core::transport::tcp ? "tcp://"
                                                            : "udp://";
    return scheme + e.to_string();
}

// IP listeners: every address the host resolves to, each an SO_REUSEPORT group
// with one socket per thread.
void bind_ip(const core::server_config& config, const core::listen_url& url, bound_sockets& out) {
    const auto addresses = net::resolve_listen_addresses(url.host, url.port, url.scope);
    const bool has_v4 = std::any_of(addresses.begin(), addresses.end(),
                                    [](const net::endpoint& e) { return e.family() == AF_INET; });
    // [::] alone is dual-stack; beside an IPv4 address of the same name it must not be.
    const bool v6only = url.ipv6only.value_or(has_v4);
    const bool tcp = url.kind == core::transport::tcp;
    const net::listen_options options{tcp ? listen_backlog(config, url.backlog) : 0, v6only,
                                      url.sockopts, url.text};
    for (const auto& address : addresses) {
        auto fds = tcp ? net::open_tcp_listeners(address, config.threads, options)
                       : net::open_udp_sockets(address, config.threads, options);
        out.urls.push_back(url_of(url, net::local_endpoint(fds[0].get())));
        const auto recipe = out.stages.recipe_for(url, out.urls.back());
        // Every udp echo listener can take faults at run time: its loops follow a switch.
        std::shared_ptr<core::datagram_fault_switch> udp_faults;
        if (!tcp && url.service == core::service_kind::echo) {
            udp_faults = std::make_shared<core::datagram_fault_switch>(
                url.udp_faults ? std::make_shared<const core::datagram_faults>(*url.udp_faults)
                               : nullptr);
        }
        out.admin.push_back({out.urls.back(), !tcp, out.stages.faults_of(out.urls.back()),
                             udp_faults, url.fault_keys});
        for (unsigned i = 0; i < config.threads; ++i) {
            out.per_thread[i].push_back({std::move(fds[i]), url.kind, url.sockopts.nodelay, recipe,
                                         url.service, url.chargen_from, udp_faults});
        }
    }
}

// A socket without a reuseport group of its own (a Unix listener, one systemd
// passed): every thread watches a duplicate of the same socket.
void share_with_threads(const core::server_config& config, const net::unique_fd& socket,
                        core::transport kind, std::string url, bound_sockets& out,
                        const std::shared_ptr<const pipeline::recipe>& recipe = nullptr,
                        core::service_kind service = core::service_kind::echo) {
    for (unsigned i = 0; i < config.threads; ++i) {
        net::unique_fd fd{::fcntl(socket.get(), F_DUPFD_CLOEXEC, 0)};
        if (!fd) {
            throw net::setup_error("dup " + url + ": " + net::errno_text(errno));
        }
        out.per_thread[i].push_back({std::move(fd), kind, true, recipe, service, {}, nullptr});
    }
    out.admin.push_back({url, kind == core::transport::udp, out.stages.faults_of(url), nullptr, {}});
    out.urls.push_back(std::move(url));
}

void bind_unix(const core::server_config& config, const core::listen_url& url,
               bound_sockets& out) {
    auto l = net::open_unix_listener(url.path, url.abstract,
                                     {listen_backlog(config, url.backlog), url.mode});
    const auto announced =
        std::string{url.tls ? "unix+tls:" : "unix:"} + (url.abstract ? "@" : "") + url.path;
    share_with_threads(config, l.fd, url.kind, announced, out,
                       out.stages.recipe_for(url, announced), url.service);
    out.admin.back().stream = out.stages.faults_of(announced);
    out.admin.back().keys = url.fault_keys;
    out.files.push_back(std::move(l.file));
}

bound_sockets bind_all(const core::server_config& config) {
    bound_sockets out;
    out.per_thread.resize(config.threads);
    if (auto passed = net::take_passed_sockets(); !passed.empty()) {
        spdlog::info("using {} socket(s) passed by the service manager instead of binding",
                     passed.size());
        for (auto& p : passed) {
            share_with_threads(config, p.fd, p.kind, p.url, out);
        }
        return out;
    }
    for (const auto& url : core::effective_listeners(config)) {
        url.kind == core::transport::unix_stream ? bind_unix(config, url, out)
                                                 : bind_ip(config, url, out);
    }
    return out;
}

// Announced once everything is set up, so a setup error leaves stdout empty and a
// script that saw the line finds the server complete. The metrics URL, then the
// admin URL, come last.
void announce(const bound_sockets& bound, const http_endpoint* metrics,
              const http_endpoint* admin) {
    for (const auto& url : bound.urls) {
        std::fputs(("listening on " + url + "\n").c_str(), stdout);
    }
    if (metrics != nullptr) {
        std::fputs(("listening on " + metrics->url() + "/metrics\n").c_str(), stdout);
    }
    if (admin != nullptr) {
        std::fputs(("listening on " + admin->url() + "/listeners\n").c_str(), stdout);
    }
    std::fflush(stdout);
}

server::worker_options make_worker_options(const core::server_config& config,
                                           std::uint32_t chunk_size,
                                           const std::vector<std::string>& urls) {
    server::worker_options options;
    options.max_chunks = std::max<std::size_t>(1, config.max_buffer / chunk_size);
    options.chunk_size = chunk_size;
    options.drain_timeout = config.drain_timeout;
    options.udp = config.udp;
    options.limits = config.limits;
    if (config.limits.gates_admission()) {
        options.gate = std::make_shared<server::admission_gate>(config.limits);
    }
    options.listener_urls = urls;
    options.events = make_event_sink(config.format);
    return options;
}

std::vector<std::unique_ptr<server::worker>> make_workers(const core::server_config& config,
                                                          bound_sockets& bound,
                                                          const server::engine_choice& engines) {
    const auto chunk_size = static_cast<std::uint32_t>(
        std::min<std::size_t>(kMaxChunkSize, config.max_buffer));
    const auto options = make_worker_options(config, chunk_size, bound.urls);
    auto sets = std::move(bound.per_thread);
    std::vector<std::unique_ptr<server::worker>> workers;
    for (auto& set : sets) {
        auto engine = engines.make(chunk_size);
        workers.push_back(
            std::make_unique<server::worker>(std::move(engine), std::move(set), options));
    }
    return workers;
}

// The admin API's endpoint, bound now so that a refused address fails at start.
std::unique_ptr<http_endpoint> make_admin(const core::server_config& config, bound_sockets& bound) {
    if (!config.admin) {
        return nullptr;
    }
    std::string token;
    if (!config.admin_token_file.empty()) {
        token = read_admin_token(config.admin_token_file);
    }
    auto api = std::make_shared<admin_api>(std::move(bound.admin), token);
    auto endpoint = std::make_unique<http_endpoint>(
        *config.admin,
        [api](const core::request_line& req, std::string_view body, const std::string& peer) {
            return api->handle(req, body, peer);
        },
        core::kMaxFaultJson);
    if (token.empty() && !endpoint->loopback()) {
        throw net::setup_error("--admin " + config.admin->text +
                               ": not a loopback address; give --admin-token-file to serve it "
                               "there");
    }
    return endpoint;
}

std::string admin_metrics_text(const std::map<int, std::uint64_t>& answered) {
    std::string out = "# HELP echo_admin_requests_total Admin API requests answered, by status.\n"
                      "# TYPE echo_admin_requests_total counter\n";
    for (const auto& [status, count] : answered) {
        out += "echo_admin_requests_total{status=\"" + std::to_string(status) + "\"} " +
               std::to_string(count) + "\n";
    }
    return out;
}

// The main thread's view of the running server, while it supervises.
struct supervision {
    const core::server_config& config;
    signal_watch& signals;
    worker_list& workers;
    int exited_fd;
    const std::atomic<bool>& failed;
    std::atomic<bool>& draining;
    std::function<std::string()> status;
    listener_stages& stages;
};

// systemd's STATUS= is refreshed this often when the service manager asks for it.
constexpr int kStatusIntervalMs = 5000;

// Sleeps until every worker has finished; the first SIGTERM/SIGINT starts the drain,
// a second one exits at once. SIGHUP and SIGUSR1 are served on the way. Returns
// whether a worker failed.
bool supervise(supervision& s) {
    using clock = std::chrono::steady_clock;
    const bool notify = net::systemd_notify_wanted();
    std::uint64_t finished = 0;
    bool stopping = false;
    std::optional<clock::time_point> stop_accepting_at;  // during --drain-delay
    const auto stop_workers = [&s] {
        for (auto& w : s.workers) {
            w->request_stop();
        }
    };
    while (finished < s.workers.size()) {
        int timeout_ms = notify ? kStatusIntervalMs : -1;
        if (stop_accepting_at) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(*stop_accepting_at -
                                                                           clock::now());
            const int ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
            timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
        }
        const int sig = s.signals.wait(s.exited_fd, timeout_ms);
        if (stop_accepting_at && clock::now() >= *stop_accepting_at) {
            stop_accepting_at.reset();
            spdlog::info("drain delay over: no longer accepting; draining open connections "
                         "(up to {} s)", s.config.drain_timeout.count());
            stop_workers();
        }
        if (sig == -1) {
            if (notify) {
                net::notify_systemd(core::notify_status(s.status()));
            }
            continue;
        }
        if (sig == SIGHUP) {
            reopen_log();
            spdlog::info("SIGHUP: log reopened");
            s.stages.reload();
            continue;
        }
        if (sig == SIGUSR1) {
            spdlog::info("status: {}", s.status());
            continue;
        }
        if (sig == 0) {
            std::uint64_t n = 0;
            if (::read(s.exited_fd, &n, sizeof n) == sizeof n) {
                finished += n;
            }
        } else if (stopping) {
            spdlog::warn("second SIG{}: exiting at once", ::sigabbrev_np(sig));
            spdlog::shutdown();
            std::_Exit(128 + sig);
        } else if (s.config.drain_delay.count() > 0) {
            spdlog::info("SIG{}: /readyz now answers 503; accepting for {} s more, then draining "
                         "open connections (up to {} s)",
                         ::sigabbrev_np(sig), s.config.drain_delay.count(),
                         s.config.drain_timeout.count());
        } else {
            spdlog::info("SIG{}: no longer accepting; draining open connections (up to {} s)",
                         ::sigabbrev_np(sig), s.config.drain_timeout.count());
        }
        if ((sig != 0 || s.failed) && !stopping) {
            stopping = true;
            s.draining = true;  // /readyz: 503 from now on
            net::notify_systemd("STOPPING=1");
            if (sig != 0 && s.config.drain_delay.count() > 0) {
                stop_accepting_at = clock::now() + std::chrono::duration_cast<clock::duration>(
                                                       s.config.drain_delay);
            } else {
                stop_workers();
            }
        }
    }
    return s.failed;
}

std::vector<std::thread> start_loops(worker_list& workers, int exited_fd,
                                     std::atomic<bool>& failed) {
    std::vector<std::thread> threads;
    for (auto& w : workers) {
        threads.emplace_back([&w, exited_fd, &failed] {
            try {
                w->run();
            } catch (const std::exception& e) {
                spdlog::error("event loop stopped: {}", e.what());
                failed = true;
            }
            const std::uint64_t one = 1;
            [[maybe_unused]] auto n = ::write(exited_fd, &one, sizeof one);
        });
    }
    return threads;
}

}  // namespace

int run_server(const core::server_config& config, signal_watch& signals) {
    const auto engines = server::engine_choice::choose(config.engine);
    net::unique_fd exited{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    if (!exited) {  // without it the supervisor would wait for ever on nothing
        throw net::setup_error("eventfd: " + net::errno_text(errno));
    }
    const double start_time = unix_now();
    auto bound = bind_all(config);
    auto workers = make_workers(config, bound, engines);
    std::atomic<bool> draining{false};
    auto admin = make_admin(config, bound);
    std::unique_ptr<http_endpoint> metrics;
    if (config.metrics) {
        metrics = std::make_unique<http_endpoint>(
            *config.metrics, metrics_routes(
                                 [&] {
                                     return metrics_text(workers, bound.urls, engines.name(),
                                                         start_time) +
                                            bound.stages.metrics_text() +
                                            (admin ? admin_metrics_text(admin->answered()) : "");
                                 },
                                 [&draining] { return !draining.load(); }));
    }
    drop_privileges(config.user, config.group);  // after binding, before any client is served
    announce(bound, metrics.get(), admin.get());  // after every descriptor of the server exists
    if (metrics) {
        metrics->start();
    }
    if (admin) {
        admin->start();
    }
    for (const auto& [engine, why] : engines.passed_over()) {
        spdlog::warn("{} unavailable ({}); using {}", engine, why, engines.name());
    }
    std::atomic<bool> failed{false};
    auto threads = start_loops(workers, exited.get(), failed);
    net::notify_systemd("READY=1");
    supervision s{config, signals, workers, exited.get(), failed, draining,
                  [&] { return status_line(workers, bound.urls.size(), start_time); },
                  bound.stages};
    const bool worker_failed = supervise(s);
    for (auto& t : threads) {
        t.join();
    }
    report_datagrams(workers, bound.urls);
    spdlog::info("stopped");
    return worker_failed ? 1 : 0;
}

}  // namespace echo::app
