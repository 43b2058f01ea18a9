// Label values come from fixed tables or from addresses the headers carried, at
// most kMaxClients of them, so no peer can grow the metrics page.
#include "proxy/proxy_observer.hpp"

#include "core/ip_text.hpp"
#include "core/prometheus_text.hpp"
#include "core/proxy_header.hpp"
#include "proxy/proxy_stage.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace echo::proxy {

namespace {

constexpr std::string_view kStageReasons[] = {"closed_before_header", "no_memory"};

}  // namespace

proxy_observer::proxy_observer(std::string listener) : listener_(std::move(listener)) {
    for (const auto r : core::proxy_failure_reasons()) {
        reasons_.push_back(r);
    }
    for (const auto r : kStageReasons) {
        if (std::find(reasons_.begin(), reasons_.end(), r) == reasons_.end()) {
            reasons_.push_back(r);
        }
    }
    reasons_.emplace_back("other");
    failures_ = std::make_unique<counter[]>(reasons_.size());
}

void proxy_observer::opened(const pipeline::chain& c, std::chrono::nanoseconds /*took*/,
                            pipeline::log_fields& fields) {
    const auto* stage = c.find<proxy_stage>();
    if (stage == nullptr) {
        return;
    }
    const auto& f = stage->facts();
    add(results_[!f.present ? absent : f.local ? local : f.version == 1 ? v1 : v2]);
    count_client(c.claim().address);
    fields.emplace_back("proxy", !f.present ? "none" : f.local ? "local"
                                 : f.version == 1             ? "v1"
                                                              : "v2");
    for (const auto& [key, value] : f.fields) {
        fields.emplace_back(key, value);
    }
}

void proxy_observer::failed(const pipeline::chain& c, std::string_view reason,
                            std::chrono::nanoseconds /*took*/) {
    const auto* stage = c.find<proxy_stage>();
    if (stage == nullptr || stage->state() != pipeline::stage_state::failed) {
        return;  // the header was fine; a later stage failed, or the peer left
    }
    add(results_[failed_]);
    const auto i = static_cast<std::size_t>(
        std::find(reasons_.begin(), reasons_.end() - 1, reason) - reasons_.begin());
    add(failures_[i]);
}

void proxy_observer::timed_out(const pipeline::chain& c) {
    const auto* stage = c.find<proxy_stage>();
    if (stage != nullptr && stage->state() == pipeline::stage_state::opening) {
        add(results_[timed_out_]);
    }
}

void proxy_observer::count_client(const std::optional<core::peer_address>& client) {
    std::lock_guard lock(clients_mutex_);
    if (!client) {
        ++direct_;
        return;
    }
    for (auto& [address, n] : clients_) {
        if (address == *client) {
            ++n;
            return;
        }
    }
    if (clients_.size() < kMaxClients) {
        clients_.emplace_back(*client, 1);
    } else {
        ++other_clients_;
    }
}

std::string proxy_observer::metrics_header() {
    return "# HELP echo_proxy_headers_total PROXY protocol headers, by result (absent: a listed "
           "balancer sent none).\n"
           "# TYPE echo_proxy_headers_total counter\n"
           "# HELP echo_proxy_header_failures_total Rejected PROXY headers, by reason.\n"
           "# TYPE echo_proxy_header_failures_total counter\n"
           "# HELP echo_connections_by_client_total Connections on a PROXY listener by the "
           "client its header named (direct: none named; other: past the first 64).\n"
           "# TYPE echo_connections_by_client_total counter\n";
}

void proxy_observer::append_metrics(std::string& out) const {
    const auto l = core::escape_label(listener_);
    constexpr std::string_view names[] = {"v1", "v2", "local", "absent", "failed", "timed_out"};
    for (std::size_t i = 0; i < kResults; ++i) {
        out += fmt::format("echo_proxy_headers_total{{listener=\"{}\",result=\"{}\"}} {}\n", l,
                           names[i], results_[i].load(std::memory_order_relaxed));
    }
    for (std::size_t i = 0; i < reasons_.size(); ++i) {
        out += fmt::format("echo_proxy_header_failures_total{{listener=\"{}\",reason=\"{}\"}} {}\n",
                           l, reasons_[i], failures_[i].load(std::memory_order_relaxed));
    }
    std::lock_guard lock(clients_mutex_);
    for (const auto& [address, n] : clients_) {
        out += fmt::format("echo_connections_by_client_total{{listener=\"{}\",client=\"{}\"}} {}\n",
                           l, core::format_ip(address), n);
    }
    out += fmt::format("echo_connections_by_client_total{{listener=\"{}\",client=\"direct\"}} {}\n",
                       l, direct_);
    out += fmt::format("echo_connections_by_client_total{{listener=\"{}\",client=\"other\"}} {}\n",
                       l, other_clients_);
}

}  // namespace echo::proxy
