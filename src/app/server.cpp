// Listeners are bound in the main thread, so every setup error surfaces before the
// first "listening on" line; the workers then own them, one set per thread.
#include "app/server.hpp"

#include "app/host_facts.hpp"
#include "app/signals.hpp"
#include "core/backlog.hpp"
#include "io/epoll/epoll_engine.hpp"
#include "net/resolver.hpp"
#include "net/setup_error.hpp"
#include "net/tcp_listener.hpp"
#include "server/worker.hpp"

#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <thread>

namespace echo::app {

namespace {

constexpr std::uint32_t kMaxChunkSize = 16 * 1024;

using listener_sets = std::vector<std::vector<net::unique_fd>>;

int listen_backlog(const core::server_config& config) {
    const int cap = somaxconn();
    const auto choice = core::choose_backlog(config.backlog, cap);
    if (choice.capped) {
        spdlog::warn("--backlog {} is above net.core.somaxconn; the kernel caps it at {}",
                     choice.value, cap);
    }
    return choice.value;
}

// One listener per resolved address and thread; prints one line per address.
listener_sets bind_listeners(const core::server_config& config) {
    const auto addresses = net::resolve_listen_addresses(config.host, config.port);
    const bool has_v4 = std::any_of(addresses.begin(), addresses.end(),
                                    [](const net::endpoint& e) { return e.family() == AF_INET; });
    const net::listen_options options{listen_backlog(config), has_v4};
    listener_sets per_thread(config.threads);
    std::vector<std::string> lines;
    for (const auto& address : addresses) {
        auto fds = net::open_tcp_listeners(address, config.threads, options);
        lines.push_back("listening on tcp://" + net::local_endpoint(fds[0].get()).to_string());
        for (unsigned i = 0; i < config.threads; ++i) {
            per_thread[i].push_back(std::move(fds[i]));
        }
    }
    for (const auto& line : lines) {
        std::fputs((line + "\n").c_str(), stdout);
    }
    std::fflush(stdout);
    return per_thread;
}

server::worker_options make_worker_options(const core::server_config& config,
                                           std::uint32_t chunk_size) {
    server::worker_options options;
    options.max_chunks = std::max<std::size_t>(1, config.max_buffer / chunk_size);
    options.drain_timeout = config.drain_timeout;
    return options;
}

std::vector<std::unique_ptr<server::worker>> make_workers(const core::server_config& config,
                                                          listener_sets sets) {
    const auto chunk_size = static_cast<std::uint32_t>(
        std::min<std::size_t>(kMaxChunkSize, config.max_buffer));
    const auto options = make_worker_options(config, chunk_size);
    std::vector<std::unique_ptr<server::worker>> workers;
    for (auto& set : sets) {
        workers.push_back(std::make_unique<server::worker>(
            io::make_epoll_engine({chunk_size, 16}), std::move(set), options));
    }
    return workers;
}

}  // namespace

int run_server(const core::server_config& config, signal_watch& signals) {
    auto workers = make_workers(config, bind_listeners(config));
    net::unique_fd exited{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
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
    std::uint64_t finished = 0;
    bool stopping = false;
    while (finished < threads.size()) {
        const int sig = signals.wait(exited.get());
        if (sig == 0) {
            std::uint64_t n = 0;
            if (::read(exited.get(), &n, sizeof n) == sizeof n) {
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
        if (sig != 0 || failed) {
            stopping = true;
            for (auto& w : workers) {
                w->request_stop();
            }
        }
    }
    for (auto& t : threads) {
        t.join();
    }
    spdlog::info("stopped");
    return failed ? 1 : 0;
}

}  // namespace echo::app
