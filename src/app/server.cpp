// Listeners are bound in the main thread, so every setup error surfaces before the
// first "listening on" line; the workers then own them, one set per thread.
#include "app/server.hpp"

#include "app/host_facts.hpp"
#include "app/logging.hpp"
#include "app/metrics_endpoint.hpp"
#include "app/signals.hpp"
#include "core/backlog.hpp"
#include "core/prometheus_text.hpp"
#include "io/epoll/epoll_engine.hpp"
#include "io/uring/uring_engine.hpp"
#include "net/resolver.hpp"
#include "net/unix_listener.hpp"
#include "net/process_probe.hpp"
#include "net/setup_error.hpp"
#include "net/reuseport_group.hpp"
#include "server/worker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <numeric>
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

std::string url_of(core::transport kind, const net::endpoint& e) {
    return (kind == core::transport::tcp ? "tcp://" : "udp://") + e.to_string();
}

// IP listeners: every address the host resolves to, each an SO_REUSEPORT group
// with one socket per thread.
void bind_ip(const core::server_config& config, const core::listen_url& url, bound_sockets& out) {
    const auto addresses = net::resolve_listen_addresses(url.host, url.port, url.scope);
    const bool has_v4 = std::any_of(addresses.begin(), addresses.end(),
                                    [](const net::endpoint& e) { return e.family() == AF_INET; });
    // [::] alone is dual-stack; beside an IPv4 address of the same name it must not be.
    const bool v6only = url.ipv6only.value_or(has_v4);
    for (const auto& address : addresses) {
        auto fds = url.kind == core::transport::tcp
                       ? net::open_tcp_listeners(address, config.threads,
                                                 {listen_backlog(config, url.backlog), v6only})
                       : net::open_udp_sockets(address, config.threads, v6only);
        out.urls.push_back(url_of(url.kind, net::local_endpoint(fds[0].get())));
        for (unsigned i = 0; i < config.threads; ++i) {
            out.per_thread[i].push_back({std::move(fds[i]), url.kind});
        }
    }
}

// A Unix listener has no SO_REUSEPORT: every thread watches the same socket.
void bind_unix(const core::server_config& config, const core::listen_url& url,
               bound_sockets& out) {
    auto l = net::open_unix_listener(url.path, url.abstract,
                                     {listen_backlog(config, url.backlog), url.mode});
    out.urls.push_back(std::string{"unix:"} + (url.abstract ? "@" : "") + url.path);
    for (unsigned i = 0; i < config.threads; ++i) {
        net::unique_fd fd{::fcntl(l.fd.get(), F_DUPFD_CLOEXEC, 0)};
        if (!fd) {
            throw net::setup_error("dup " + out.urls.back() + ": " + net::errno_text(errno));
        }
        out.per_thread[i].push_back({std::move(fd), url.kind});
    }
    out.files.push_back(std::move(l.file));
}

bound_sockets bind_all(const core::server_config& config) {
    bound_sockets out;
    out.per_thread.resize(config.threads);
    for (const auto& url : core::effective_listeners(config)) {
        url.kind == core::transport::unix_stream ? bind_unix(config, url, out)
                                                 : bind_ip(config, url, out);
    }
    return out;
}

// Announced once everything is set up, so a setup error leaves stdout empty and a
// script that saw the line finds the server complete. The metrics URL comes last.
void announce(const bound_sockets& bound, const metrics_endpoint* metrics) {
    for (const auto& url : bound.urls) {
        std::fputs(("listening on " + url + "\n").c_str(), stdout);
    }
    if (metrics != nullptr) {
        std::fputs(("listening on " + metrics->url() + "\n").c_str(), stdout);
    }
    std::fflush(stdout);
}

server::worker_options make_worker_options(const core::server_config& config,
                                           std::uint32_t chunk_size,
                                           const std::vector<std::string>& urls) {
    server::worker_options options;
    options.max_chunks = std::max<std::size_t>(1, config.max_buffer / chunk_size);
    options.drain_timeout = config.drain_timeout;
    options.udp = config.udp;
    options.limits = config.limits;
    if (config.limits.gates_admission()) {
        options.gate = std::make_shared<server::admission_gate>(config.limits);
    }
    options.listener_urls = urls;
    return options;
}

// Which engine runs the loops: the one asked for, or for `auto` io_uring where this
// kernel lets us use it. Returns the reason io_uring was passed over, if it was.
std::optional<std::string> pick_engine(const core::server_config& config, bool& uring) {
    uring = false;
    if (config.engine == core::engine_choice::epoll) {
        return std::nullopt;
    }
    auto why = io::uring_unavailable();
    if (config.engine == core::engine_choice::io_uring && why) {
        throw net::setup_error("--engine io_uring: " + *why);
    }
    uring = !why;
    return why;
}

std::vector<std::unique_ptr<server::worker>> make_workers(const core::server_config& config,
                                                          bound_sockets& bound, bool uring) {
    const auto chunk_size = static_cast<std::uint32_t>(
        std::min<std::size_t>(kMaxChunkSize, config.max_buffer));
    const auto options = make_worker_options(config, chunk_size, bound.urls);
    auto sets = std::move(bound.per_thread);
    std::vector<std::unique_ptr<server::worker>> workers;
    for (auto& set : sets) {
        auto engine = uring ? io::make_uring_engine({chunk_size, 256})
                            : io::make_epoll_engine({chunk_size, 16});
        workers.push_back(
            std::make_unique<server::worker>(std::move(engine), std::move(set), options));
    }
    return workers;
}

}  // namespace

namespace {

using worker_list = std::vector<std::unique_ptr<server::worker>>;

// Sleeps until every worker has finished; the first SIGTERM/SIGINT starts the drain,
// a second one exits at once. SIGHUP and SIGUSR1 are served on the way. Returns
// whether a worker failed.
bool supervise(const core::server_config& config, signal_watch& signals, worker_list& workers,
               int exited_fd, const std::atomic<bool>& failed, std::atomic<bool>& draining,
               const std::function<std::string()>& status) {
    std::uint64_t finished = 0;
    bool stopping = false;
    while (finished < workers.size()) {
        const int sig = signals.wait(exited_fd);
        if (sig == SIGHUP) {
            reopen_log();
            spdlog::info("SIGHUP: log reopened");
            continue;
        }
        if (sig == SIGUSR1) {
            spdlog::info("status: {}", status());
            continue;
        }
        if (sig == 0) {
            std::uint64_t n = 0;
            if (::read(exited_fd, &n, sizeof n) == sizeof n) {
                finished += n;
            }
        } else if (stopping) {
            spdlog::warn("second SIG{}: exiting at once", ::sigabbrev_np(sig));
            spdlog::shutdown();
            std::_Exit(128 + sig);
        } else {
            spdlog::info("SIG{}: no longer accepting; draining open connections (up to {} s)",
                         ::sigabbrev_np(sig), config.drain_timeout.count());
        }
        if ((sig != 0 || failed) && !stopping) {
            stopping = true;
            draining = true;
            for (auto& w : workers) {
                w->request_stop();
            }
        }
    }
    return failed;
}

core::listener_tallies total_of(const worker_list& workers, std::size_t socket) {
    core::listener_tallies total{};
    for (const auto& w : workers) {
        w->tallies(socket).add_to(total);
    }
    return total;
}

// One line per UDP socket that saw traffic: what was echoed, what was dropped and why.
void report_datagrams(const worker_list& workers, const std::vector<std::string>& urls) {
    for (std::size_t i = 0; i < urls.size(); ++i) {
        const auto total = total_of(workers, i);
        if (!urls[i].starts_with("udp:") || total[core::tally::messages_in] == 0) {
            continue;
        }
        const auto dropped = [&](core::datagram_drop d) { return total[core::tally::dropped(d)]; };
        using enum core::datagram_drop;
        spdlog::info("{}: echoed {} datagrams; dropped {} from port 0, {} from denied ports, "
                     "{} over the rate limit, {} with the send buffer full",
                     urls[i], total[core::tally::messages_out], dropped(source_port_zero),
                     dropped(denied_port), dropped(rate_limited), dropped(send_buffer_full));
    }
}

std::uint64_t open_fds() {
    std::uint64_t n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(d)) {
            n += e->d_name[0] != '.';
        }
        ::closedir(d);
        --n;  // the directory's own descriptor
    }
    return n;
}

core::process_snapshot process_facts(double start_time) {
    core::process_snapshot p;
    if (auto s = net::sample_process(static_cast<int>(::getpid()))) {
        p.cpu_seconds = s->cpu_seconds;
        p.resident_bytes = s->rss_bytes;
    }
    p.open_fds = open_fds();
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0) {
        p.max_fds = r.rlim_cur;
    }
    p.start_time_seconds = start_time;
    return p;
}

std::string metrics_text(const worker_list& workers, const std::vector<std::string>& urls,
                         std::string_view engine, double start_time) {
    core::metrics_snapshot m;
    m.version = ECHO_SERVER_VERSION;
    m.engine = engine;
    for (std::size_t i = 0; i < urls.size(); ++i) {
        m.listeners.push_back({urls[i], total_of(workers, i)});
    }
    m.process = process_facts(start_time);
    return core::prometheus_text(m);
}

// One line for SIGUSR1 and systemd's STATUS=: what an operator asks first.
std::string status_line(const worker_list& workers, const std::vector<std::string>& urls,
                        double start_time) {
    core::listener_tallies all{};
    for (std::size_t i = 0; i < urls.size(); ++i) {
        const auto t = total_of(workers, i);
        for (std::size_t k = 0; k < all.size(); ++k) {
            all[k] += t[k];
        }
    }
    return fmt::format("{} connections open, {} accepted, {} refused; {} bytes in, {} out; "
                       "up {:.0f} s",
                       core::open_connections(all), all[core::tally::accepted],
                       core::sum(all, core::tally::kRefusedBase, core::kRefusals),
                       all[core::tally::bytes_in], all[core::tally::bytes_out],
                       std::chrono::duration<double>(
                           std::chrono::system_clock::now().time_since_epoch()).count() - start_time);
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

int run_server(const core::server_config& config, signal_watch& signals) {
    bool uring = false;
    const auto passed_over = pick_engine(config, uring);
    net::unique_fd exited{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    const double start_time = unix_now();
    auto bound = bind_all(config);
    auto workers = make_workers(config, bound, uring);
    std::atomic<bool> draining{false};
    std::unique_ptr<metrics_endpoint> metrics;
    if (config.metrics) {
        metrics = std::make_unique<metrics_endpoint>(
            *config.metrics,
            metrics_routes{[&] {
                               return metrics_text(workers, bound.urls,
                                                   uring ? "io_uring" : "epoll", start_time);
                           },
                           [&draining] { return !draining.load(); }});
    }
    announce(bound, metrics.get());  // after every descriptor of the running server exists
    if (metrics) {
        metrics->start();
    }
    if (passed_over) {
        spdlog::warn("io_uring unavailable ({}); using epoll", *passed_over);
    }
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    for (auto& w : workers) {
        threads.emplace_back([&w, &exited, &failed] {
            try {
                w->run();
            } catch (const std::exception& e) {
                spdlog::error("event loop stopped: {}", e.what());
                failed = true;
            }
            const std::uint64_t one = 1;
            [[maybe_unused]] auto n = ::write(exited.get(), &one, sizeof one);
        });
    }
    const bool worker_failed = supervise(config, signals, workers, exited.get(), failed, draining,
                                         [&] { return status_line(workers, bound.urls, start_time); });
    for (auto& t : threads) {
        t.join();
    }
    report_datagrams(workers, bound.urls);
    spdlog::info("stopped");
    return worker_failed ? 1 : 0;
}

}  // namespace echo::app
