// One HELP/TYPE block per family, then a sample per listener (and per reason where
// the family has one), so `promtool check metrics` sees each family exactly once.
#include "core/prometheus_text.hpp"

#include <fmt/format.h>

#include <functional>

namespace echo::core {

namespace {

struct family_writer {
    const metrics_snapshot& m;
    std::string& out;

    void header(std::string_view name, std::string_view type, std::string_view help) {
        fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                       type);
    }
    std::string labels(const listener_snapshot& l, std::string_view extra = {}) const {
        return fmt::format("{{listener=\"{}\",engine=\"{}\"{}}}", escape_label(l.url),
                           escape_label(m.engine), extra);
    }
    // A family with one sample per listener.
    void per_listener(std::string_view name, std::string_view type, std::string_view help,
                      const std::function<std::uint64_t(const listener_tallies&)>& value) {
        header(name, type, help);
        for (const auto& l : m.listeners) {
            fmt::format_to(std::back_inserter(out), "{}{} {}\n", name, labels(l), value(l.tallies));
        }
    }
    // A family with one sample per listener and reason, from a block of tallies.
    template <class Reason>
    void per_reason(std::string_view name, std::string_view help, std::string_view label,
                    std::size_t base, std::size_t n) {
        header(name, "counter", help);
        for (const auto& l : m.listeners) {
            for (std::size_t i = 0; i < n; ++i) {
                const auto extra =
                    fmt::format(",{}=\"{}\"", label, name_of(static_cast<Reason>(i)));
                fmt::format_to(std::back_inserter(out), "{}{} {}\n", name, labels(l, extra),
                               l.tallies[base + i]);
            }
        }
    }
};

void write_process(const process_snapshot& p, std::string& out) {
    fmt::format_to(std::back_inserter(out),
                   "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                   "# TYPE process_resident_memory_bytes gauge\n"
                   "process_resident_memory_bytes {}\n"
                   "# HELP process_open_fds Number of open file descriptors.\n"
                   "# TYPE process_open_fds gauge\n"
                   "process_open_fds {}\n"
                   "# HELP process_max_fds Maximum number of open file descriptors.\n"
                   "# TYPE process_max_fds gauge\n"
                   "process_max_fds {}\n"
                   "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                   "# TYPE process_cpu_seconds_total counter\n"
                   "process_cpu_seconds_total {:.3f}\n"
                   "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                   "# TYPE process_start_time_seconds gauge\n"
                   "process_start_time_seconds {:.3f}\n",
                   p.resident_bytes, p.open_fds, p.max_fds, p.cpu_seconds, p.start_time_seconds);
}

}  // namespace

std::string escape_label(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string prometheus_text(const metrics_snapshot& m) {
    std::string out;
    family_writer w{m, out};
    fmt::format_to(std::back_inserter(out),
                   "# HELP echo_build_info Version and I/O engine of this echo-server.\n"
                   "# TYPE echo_build_info gauge\n"
                   "echo_build_info{{version=\"{}\",engine=\"{}\"}} 1\n",
                   escape_label(m.version), escape_label(m.engine));
    w.per_listener("echo_connections_open", "gauge", "Connections open now.",
                   [](const listener_tallies& t) { return open_connections(t); });
    w.per_listener("echo_connections_accepted_total", "counter",
                   "Connections accepted from the kernel, refused ones included.",
                   [](const listener_tallies& t) { return t[tally::accepted]; });
    w.per_reason<refusal>("echo_connections_refused_total",
                          "Connections accepted and closed at once by a limit.", "reason",
                          tally::kRefusedBase, kRefusals);
    w.per_reason<close_reason>("echo_connections_closed_total", "Connections closed, by reason.",
                               "reason", tally::kClosedBase, kCloseReasons);
    w.per_listener("echo_received_bytes_total", "counter", "Bytes received from clients.",
                   [](const listener_tallies& t) { return t[tally::bytes_in]; });
    w.per_listener("echo_sent_bytes_total", "counter",
                   "Bytes sent to clients (the echo, or a service's output).",
                   [](const listener_tallies& t) { return t[tally::bytes_out]; });
    w.per_listener("echo_received_messages_total", "counter",
                   "Reads that returned data (stream) or datagrams received (UDP).",
                   [](const listener_tallies& t) { return t[tally::messages_in]; });
    w.per_listener("echo_sent_messages_total", "counter",
                   "Completed sends (stream) or datagrams sent back (UDP).",
                   [](const listener_tallies& t) { return t[tally::messages_out]; });
    w.per_reason<datagram_drop>("echo_datagrams_dropped_total",
                                "UDP datagrams not echoed, by reason.", "reason",
                                tally::kDroppedBase, kDatagramDrops);
    w.per_reason<datagram_fault>("echo_datagrams_faulted_total",
                                 "UDP datagrams a listener's fault keys dropped, duplicated, "
                                 "sent ahead (reordered), corrupted or delayed.",
                                 "fault", tally::kFaultedBase, kDatagramFaults);
    w.per_listener("echo_fault_bytes_dropped_total", "counter",
                   "UDP datagram bytes a listener's faults kept from the echo: drop=, and "
                   "datagrams over the fault hold (hold_full) or the rate= line (line_full).",
                   [](const listener_tallies& t) { return t[tally::fault_bytes_dropped]; });
    w.per_reason<accept_error>("echo_errors_total", "Errors, by kind.", "kind",
                               tally::kAcceptErrorBase, kAcceptErrors);
    out += "# HELP echo_engine_pressure_total Times a resource the loop's connections share "
           "ran short (budget_yield: a connection had more to read when its turn ended).\n"
           "# TYPE echo_engine_pressure_total counter\n";
    for (const auto& [event, count] : m.engine_pressure) {
        fmt::format_to(std::back_inserter(out),
                       "echo_engine_pressure_total{{engine=\"{}\",event=\"{}\"}} {}\n",
                       escape_label(m.engine), event, count);
    }
    write_process(m.process, out);
    return out;
}

}  // namespace echo::core
