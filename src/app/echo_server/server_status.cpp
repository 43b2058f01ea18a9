// Sums over workers are taken without stopping them: each counter is read once,
// relaxed, so a snapshot may be a few events behind but never blocks an echo loop.
#include "app/echo_server/server_status.hpp"

#include "core/prometheus_text.hpp"
#include "io/engine_counters.hpp"
#include "net/process_probe.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>

namespace echo::app {

namespace {

core::listener_tallies total_of(const worker_list& workers, std::size_t socket) {
    core::listener_tallies total{};
    for (const auto& w : workers) {
        w->tallies(socket).add_to(total);
    }
    return total;
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

}  // namespace

void report_datagrams(const worker_list& workers, const std::vector<std::string>& urls) {
    for (std::size_t i = 0; i < urls.size(); ++i) {
        const auto total = total_of(workers, i);
        if (!urls[i].starts_with("udp:") || total[core::tally::messages_in] == 0) {
            continue;
        }
        const auto dropped = [&](core::datagram_drop d) { return total[core::tally::dropped(d)]; };
        using enum core::datagram_drop;
        spdlog::info("{}: echoed {} datagrams; dropped {} from port 0, {} from denied ports, "
                     "{} over the rate limit, {} with the send buffer full, {} with the fault "
                     "hold full, {} behind the rate= line",
                     urls[i], total[core::tally::messages_out], dropped(source_port_zero),
                     dropped(denied_port), dropped(rate_limited), dropped(send_buffer_full),
                     dropped(hold_full), dropped(line_full));
    }
}

std::string metrics_text(const worker_list& workers, const std::vector<std::string>& urls,
                         std::string_view engine, double start_time) {
    core::metrics_snapshot m;
    m.version = ECHO_SERVER_VERSION;
    m.engine = engine;
    for (std::size_t i = 0; i < urls.size(); ++i) {
        m.listeners.push_back({urls[i], total_of(workers, i)});
    }
    for (std::size_t e = 0; e < io::kEngineEvents; ++e) {
        const auto event = static_cast<io::engine_event>(e);
        std::uint64_t total = 0;
        for (const auto& w : workers) {
            total += w->engine_counters().get(event);
        }
        m.engine_pressure.emplace_back(io::name_of(event), total);
    }
    m.process = process_facts(start_time);
    return core::prometheus_text(m);
}

// What an operator asks first.
std::string status_line(const worker_list& workers, std::size_t sockets, double start_time) {
    core::listener_tallies all{};
    for (std::size_t i = 0; i < sockets; ++i) {
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
                       unix_now() - start_time);
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace echo::app
