// Latencies are reported in microseconds with two decimals, rates as plain
// numbers: the JSON is read by bench/compare, the table by people.
#include "loadgen/bench_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace echo::loadgen {

namespace {

constexpr double kPercentiles[] = {50, 90, 99, 99.9};

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::string target_text(const bench_config& c) { return c.target.to_string(); }

// What one message is on the wire, for the table's words.
std::string unit_text(const bench_config& c) {
    return c.target.application == "http" ? "requests" : "messages";
}

std::string mode_text(const bench_config& c) {
    return c.rate > 0 ? fmt::format("open loop, {:.0f} msg/s", c.rate)
                      : fmt::format("closed loop, {} in flight per connection", c.pipeline);
}

// Our error texts and command lines only need quotes and backslashes escaped.
std::string json_string(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
        }
        out += (static_cast<unsigned char>(ch) < 0x20) ? ' ' : ch;
    }
    return out;
}

double per_second(std::uint64_t n, double seconds) {
    return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

std::string errors_text(const error_counts& e) {
    return fmt::format("mismatch {}, early close {}, reset {}, connect failed {}, "
                       "unanswered {}, lost {}, late {}, duplicated {}, corrupted {}, tls {}, "
                       "status {}, protocol {}, other {}",
                       e.mismatch, e.early_close, e.reset, e.connect_failed, e.unanswered,
                       e.lost, e.late, e.duplicated, e.corrupted, e.tls, e.status, e.protocol,
                       e.other);
}

double resumed_share(const run_result& r) {
    return r.handshakes ? static_cast<double>(r.resumed) / static_cast<double>(r.handshakes) : 0;
}

std::string or_none(const std::string& s) { return s.empty() ? "none" : s; }

double mb_per_second(std::uint64_t bytes, double seconds) {
    return per_second(bytes, seconds) / 1e6;
}

}  // namespace

std::string format_table(const bench_report& r) {
    const auto& h = r.result.latency;
    std::string out = fmt::format(
        "target      {}\nload        {} connections, sizes {} B, {}, {} threads\n"
        "measured    {:.2f} s after {:.2f} s warm-up\n"
        "{:<11} {}  ({:.0f} {}, {:.2f} MB/s echoed)\nverified    {} bytes\n",
        target_text(r.config), r.config.conns, fmt::join(r.config.sizes, ","),
        mode_text(r.config), r.config.threads, r.seconds, r.config.warmup.count(),
        unit_text(r.config), r.result.messages, per_second(r.result.messages, r.seconds),
        r.config.target.application == "http" ? "req/s" : "msg/s",
        mb_per_second(r.result.bytes, r.seconds), r.result.verified_bytes);
    out += fmt::format("latency µs  p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  "
                       "max {:.1f}  mean {:.1f}\n",
                       us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)),
                       us(h.percentile(99.9)), us(h.max()), h.mean() / 1000.0);
    if (r.server) {
        out += fmt::format("server      pid {}: {:.3f} µs CPU per message, RSS {:.1f} MiB "
                           "after connect, {:.1f} MiB at end\n",
                           fmt::join(r.server->pids, "+"),
                           r.result.messages ? r.server->cpu_seconds * 1e6 /
                                                   static_cast<double>(r.result.messages)
                                             : 0.0,
                           static_cast<double>(r.server->rss_after_connect) / (1 << 20),
                           static_cast<double>(r.server->rss_at_end) / (1 << 20));
    }
    if (r.config.messages_per_conn > 0) {
        out += fmt::format("connections {}  ({:.0f}/s, {} messages each)\n", r.result.connections,
                           per_second(r.result.connections, r.seconds),
                           r.config.messages_per_conn);
    }
    if (r.config.target.tls) {
        const auto& t = r.result.handshake_latency;
        out += fmt::format("tls         {} {}, ALPN {}; {} handshakes, {} resumed ({:.1f}%), "
                           "{:.0f} handshakes/s in the window\n"
                           "handshake µs p50 {:.1f}  p99 {:.1f}  max {:.1f}  "
                           "(connect to TLS done)\n",
                           or_none(r.result.tls_version), or_none(r.result.tls_cipher),
                           or_none(r.result.tls_alpn), r.result.handshakes, r.result.resumed,
                           100 * resumed_share(r.result),
                           per_second(r.result.window_handshakes, r.seconds), us(t.percentile(50)),
                           us(t.percentile(99)), us(t.max()));
    }
    if (r.config.target.application == "http") {
        out += fmt::format("http        POST {}, {}\n", r.config.http.request_target,
                           r.config.http.verify_body ? "status and body verified"
                                                     : "status verified, body not looked at");
    }
    if (r.config.target.application == "ws") {
        out += fmt::format("websocket   {} {} messages; {} closes answered by the server\n",
                           r.config.http.request_target, r.config.ws_text ? "text" : "binary",
                           r.result.clean_closes);
    }
    if (r.config.target.scheme == "udp") {
        out += fmt::format("datagrams   {} sent; {} replies overtook an earlier one (reordered)\n",
                           r.result.sent_messages, r.result.reordered);
    }
    out += fmt::format("errors      {} ({})\n", r.result.errors.total(),
                       errors_text(r.result.errors));
    if (!r.result.first_error.empty()) {
        out += fmt::format("first error {}\n", r.result.first_error);
    }
    if (r.config.streamers > 0) {
        const auto& s = r.streamers;
        out += fmt::format("streamers   {} × {} B blocks, not in the figures above: {} blocks "
                           "({:.2f} MB/s echoed), {} bytes verified, errors {}{}\n",
                           r.config.streamers, r.config.streamer_size, s.messages,
                           mb_per_second(s.bytes, r.seconds), s.verified_bytes,
                           s.errors.total(), s.first_error.empty() ? "" : " — " + s.first_error);
    }
    if (r.config.hogs > 0) {
        const auto& g = r.hogs;
        out += fmt::format("hogs        {} opened of {} ({} failed), {} bytes pushed, {} closed "
                           "by the server by the end{}\n",
                           g.opened, g.wanted, g.failed, g.bytes, g.closed_by_server,
                           g.first_error.empty() ? "" : " — " + g.first_error);
    }
    return out;
}

std::string format_json(const bench_report& r) {
    const auto& h = r.result.latency;
    const auto& e = r.result.errors;
    std::string latency;
    for (double p : kPercentiles) {
        latency += fmt::format("\"p{}\":{:.3f},", p, us(h.percentile(p)));
    }
    std::string server = "null";
    if (r.server) {
        server = fmt::format(
            "{{\"pid\":{},\"pids\":[{}],\"cpu_seconds\":{:.4f},\"cpu_us_per_msg\":{:.4f},"
            "\"rss_after_connect_bytes\":{},\"rss_bytes\":{}}}",
            r.server->pids.front(), fmt::join(r.server->pids, ","), r.server->cpu_seconds,
            r.result.messages ? r.server->cpu_seconds * 1e6 / static_cast<double>(r.result.messages)
                              : 0.0,
            r.server->rss_after_connect, r.server->rss_at_end);
    }
    const auto& s = r.streamers;
    const std::string streamers = fmt::format(
        "{{\"count\":{},\"size\":{},\"blocks\":{},\"mb_per_s\":{:.3f},\"verified_bytes\":{},"
        "\"errors\":{},\"first_error\":\"{}\"}}",
        r.config.streamers, r.config.streamer_size, s.messages, mb_per_second(s.bytes, r.seconds),
        s.verified_bytes, s.errors.total(), json_string(s.first_error));
    std::string tls = "null";
    if (r.config.target.tls) {
        const auto& t = r.result.handshake_latency;
        tls = fmt::format(
            "{{\"version\":\"{}\",\"cipher\":\"{}\",\"alpn\":\"{}\",\"handshakes\":{},"
            "\"resumed\":{},\"resumed_ratio\":{:.4f},\"handshakes_per_s\":{:.1f},"
            "\"handshake_us\":{{\"p50\":{:.3f},\"p99\":{:.3f},\"max\":{:.3f}}}}}",
            json_string(r.result.tls_version), json_string(r.result.tls_cipher),
            json_string(r.result.tls_alpn), r.result.handshakes, r.result.resumed,
            resumed_share(r.result), per_second(r.result.window_handshakes, r.seconds),
            us(t.percentile(50)), us(t.percentile(99)), us(t.max()));
    }
    const auto& g = r.hogs;
    const std::string hogs = fmt::format(
        "{{\"count\":{},\"opened\":{},\"failed\":{},\"bytes\":{},\"closed_by_server\":{},"
        "\"first_error\":\"{}\"}}",
        g.wanted, g.opened, g.failed, g.bytes, g.closed_by_server, json_string(g.first_error));
    return fmt::format(
        "{{\"target\":\"{}\",\"conns\":{},\"sizes\":[{}],\"pipeline\":{},\"mode\":\"{}\","
        "\"rate\":{},\"threads\":{},\"duration_s\":{:.3f},\"messages\":{},\"sent_messages\":{},"
        "\"msgs_per_s\":{:.1f},\"mb_per_s\":{:.3f},\"verified_bytes\":{},"
        "\"latency_us\":{{\"min\":{:.3f},{}\"max\":{:.3f},\"mean\":{:.3f}}},"
        "\"errors\":{{\"total\":{},\"mismatch\":{},\"early_close\":{},\"reset\":{},"
        "\"connect_failed\":{},\"unanswered\":{},\"lost\":{},\"late\":{},\"duplicated\":{},"
        "\"corrupted\":{},\"tls\":{},"
        "\"status\":{},\"protocol\":{},\"other\":{}}},\"application\":\"{}\","
        "\"http_verify\":\"{}\",\"ws_clean_closes\":{},"
        "\"reordered\":{},\"connections_per_s\":{:.1f},\"first_error\":\"{}\","
        "\"server\":{},\"tls\":{},\"streamers\":{},\"hogs\":{},\"command\":\"{}\"}}\n",
        target_text(r.config), r.config.conns, fmt::join(r.config.sizes, ","), r.config.pipeline,
        r.config.rate > 0 ? "open" : "closed", r.config.rate, r.config.threads, r.seconds,
        r.result.messages, r.result.sent_messages, per_second(r.result.messages, r.seconds),
        mb_per_second(r.result.bytes, r.seconds), r.result.verified_bytes, us(h.min()), latency,
        us(h.max()), h.mean() / 1000.0, e.total(), e.mismatch, e.early_close, e.reset,
        e.connect_failed, e.unanswered, e.lost, e.late, e.duplicated, e.corrupted, e.tls,
        e.status, e.protocol, e.other,
        r.config.target.application, r.config.http.verify_body ? "body" : "status",
        r.result.clean_closes, r.result.reordered,
        per_second(r.result.connections, r.seconds), json_string(r.result.first_error), server,
        tls, streamers, hogs, json_string(r.config.command_line));
}

}  // namespace echo::loadgen
