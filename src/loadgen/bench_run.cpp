// The main thread sleeps between phase boundaries and once-a-second ticks; it
// never touches a socket, so it costs the measurement nothing.
#include "loadgen/bench_run.hpp"

#include "loadgen/bench_report.hpp"
#include "loadgen/clock.hpp"
#include "loadgen/hog_pool.hpp"
#include "loadgen/load_thread.hpp"
#include "net/process_probe.hpp"
#include "loadgen/target_address.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

namespace echo::loadgen {

namespace {

std::int64_t ns_of(std::chrono::duration<double> d) {
    return static_cast<std::int64_t>(d.count() * 1e9);
}

constexpr std::int64_t kHogFillDeadlineNs = 30'000'000'000;
// How long the streamers run before the measured connections start their warm-up.
constexpr std::int64_t kStreamerLeadNs = 200'000'000;

std::size_t max_size(const bench_config& c) {
    const std::size_t measured = *std::max_element(c.sizes.begin(), c.sizes.end());
    return c.streamers > 0 ? std::max<std::size_t>(measured, c.streamer_size) : measured;
}

// The streamers are a load thread of their own, closed loop with one block in flight.
bench_config streamer_config(const bench_config& c) {
    bench_config s = c;
    s.conns = c.streamers;
    s.sizes = {c.streamer_size};
    s.pipeline = 1;
    s.messages_per_conn = 0;
    s.rate = 0;
    s.connect_rate = 0;
    s.threads = 1;
    return s;
}

// One line a second on stderr: what the last second looked like.
class live_line {
public:
    live_line(const bench_config& c, live_progress& p) : on_(c.live), progress_(p) {}

    void tick(std::int64_t now, std::int64_t start) {
        if (!on_) {
            return;
        }
        const auto messages = progress_.messages.load(std::memory_order_relaxed);
        const auto bytes = progress_.bytes.load(std::memory_order_relaxed);
        std::uint64_t p99 = 0;
        {
            const std::lock_guard guard{progress_.lock};
            p99 = progress_.interval.percentile(99);
            progress_.interval.reset();
        }
        const double dt = static_cast<double>(now - last_ns_) / 1e9;
        if (last_ns_ != 0 && dt > 0) {
            std::fprintf(stderr, "%6.1fs  %10.0f msg/s  %8.2f MB/s  p99 %9.1f µs  errors %llu\n",
                         static_cast<double>(now - start) / 1e9,
                         static_cast<double>(messages - last_messages_) / dt,
                         static_cast<double>(bytes - last_bytes_) / dt / 1e6,
                         static_cast<double>(p99) / 1000.0,
                         static_cast<unsigned long long>(
                             progress_.errors.load(std::memory_order_relaxed)));
        }
        last_ns_ = now;
        last_messages_ = messages;
        last_bytes_ = bytes;
    }

private:
    bool on_;
    live_progress& progress_;
    std::int64_t last_ns_ = 0;
    std::uint64_t last_messages_ = 0, last_bytes_ = 0;
};

timeline plan(const bench_config& c) {
    timeline t;
    t.antagonists_ns = now_ns() + 1'000'000;  // a moment for every thread to leave the gate
    t.start_ns = t.antagonists_ns + (c.streamers > 0 ? kStreamerLeadNs : 0);
    t.measure_ns = t.start_ns + ns_of(c.warmup);
    t.end_ns = t.measure_ns + ns_of(c.duration);
    t.drain_end_ns = t.end_ns + ns_of(c.drain);
    return t;
}

// The server side's CPU and memory: every --server-pid summed (a TLS terminator and
// the server behind it are one server to the client). Nothing if one is gone.
std::optional<net::process_sample> sample_servers(const std::vector<int>& pids) {
    net::process_sample sum;
    for (int pid : pids) {
        const auto s = net::sample_process(pid);
        if (!s) {
            return std::nullopt;
        }
        sum.cpu_seconds += s->cpu_seconds;
        sum.rss_bytes += s->rss_bytes;
    }
    return sum;
}

// The measured window, seen from the main thread: the live line once a second, and
// the server's CPU time sampled at the window's two ends.
void watch_window(const bench_config& config, const timeline& times, live_progress& progress,
                  std::optional<server_usage>& usage) {
    live_line live{config, progress};
    sleep_until_ns(times.measure_ns);
    const auto cpu_before = sample_servers(config.server_pids);
    live.tick(times.measure_ns, times.measure_ns);
    for (std::int64_t tick = times.measure_ns + 1'000'000'000; tick < times.end_ns;
         tick += 1'000'000'000) {
        sleep_until_ns(tick);
        live.tick(now_ns(), times.measure_ns);
    }
    sleep_until_ns(times.end_ns);
    const auto cpu_after = sample_servers(config.server_pids);
    if (usage && cpu_before && cpu_after) {
        usage->cpu_seconds = cpu_after->cpu_seconds - cpu_before->cpu_seconds;
        usage->rss_at_end = cpu_after->rss_bytes;
    }
}

int report(const bench_config& config, const run_result& total, const run_result& streamed,
           const hog_tally& hogs, const timeline& times, const std::optional<server_usage>& usage) {
    const bench_report r{config, total,
                         static_cast<double>(times.end_ns - times.measure_ns) / 1e9, usage,
                         streamed, hogs};
    const std::string text = config.json ? format_json(r) : format_table(r);
    std::fputs(text.c_str(), stdout);
    if (!config.json) {
        std::printf("reproduce   %s\n", config.command_line.c_str());
    }
    std::fflush(stdout);
    const bool clean = total.errors.total() == 0 && streamed.errors.total() == 0 &&
                       hogs.failed == 0;
    return clean ? 0 : 1;
}

}  // namespace

int run_bench(const bench_config& config) {
    const auto target = resolve_target(config.target);
    const core::message_pattern pattern{max_size(config), 0x5eed};
    // Hogs first, so the measured connections are fresh clients of a server that
    // already holds the hogs' bytes.
    hog_pool hogs{target, config.hogs};
    hogs.open_and_fill(now_ns() + kHogFillDeadlineNs);
    std::vector<std::unique_ptr<load_thread>> loaders;
    for (unsigned t = 0; t < config.threads; ++t) {
        loaders.push_back(std::make_unique<load_thread>(config, pattern, target, t, config.threads));
    }
    const bench_config streaming = streamer_config(config);
    std::unique_ptr<load_thread> streamer;
    if (config.streamers > 0) {
        streamer = std::make_unique<load_thread>(streaming, pattern, target, 0, 1,
                                                 load_role::streamer);
    }
    run_sync sync{static_cast<std::ptrdiff_t>(loaders.size() + (streamer ? 2 : 1))};
    std::vector<std::jthread> threads;
    for (auto& l : loaders) {
        threads.emplace_back([&l, &sync] { l->run(sync); });
    }
    if (streamer) {
        threads.emplace_back([&streamer, &sync] { streamer->run(sync); });
    }
    sync.gate.arrive_and_wait();  // every connection is up (or failed)
    // A TLS target no connection could finish a handshake with (a wrong CA, a name
    // mismatch, no TLS there), or a WebSocket target that refused every upgrade, is a
    // setup problem: said in one line, nothing measured.
    const bool unusable = (config.target.tls || !config.target.application.empty()) &&
                          std::all_of(loaders.begin(), loaders.end(), [](const auto& l) {
                              const auto& e = l->result().errors;
                              return l->ready_connections() == 0 && e.tls + e.protocol > 0;
                          });
    std::optional<server_usage> usage;
    if (!config.server_pids.empty()) {
        usage = server_usage{config.server_pids, 0, 0, 0};
        if (auto s = sample_servers(config.server_pids)) {
            usage->rss_after_connect = s->rss_bytes;
        }
    }
    sync.times = unusable ? timeline{} : plan(config);  // all zero: every phase is over
    sync.gate.arrive_and_wait();
    if (!unusable) {
        watch_window(config, sync.times, sync.progress, usage);
    }
    threads.clear();  // joins

    run_result total;
    for (auto& l : loaders) {
        total.merge(l->result());
    }
    if (unusable) {
        std::fprintf(stderr, "echo-bench: %s\n", total.first_error.c_str());
        return 1;
    }
    const run_result streamed = streamer ? streamer->result() : run_result{};
    return report(config, total, streamed, hogs.close_all(), sync.times, usage);
}

}  // namespace echo::loadgen
