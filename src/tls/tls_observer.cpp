// Label values come from fixed tables, never from what a client sent, so a
// hostile client cannot grow the metrics page.
#include "tls/tls_observer.hpp"

#include "core/log_safe.hpp"
#include "core/prometheus_text.hpp"
#include "tls/tls_errors.hpp"
#include "tls/tls_stage.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace echo::tls {

namespace {

template <class Table>
std::size_t index_in(const Table& table, std::string_view value) {
    return static_cast<std::size_t>(std::find(table.begin(), table.end(), value) - table.begin());
}

std::string_view verify_text(const session_facts& f) {
    return !f.client_cert ? "none" : f.client_verified ? "ok" : "failed";
}

}  // namespace

void tls_observer::opened(const pipeline::chain& c, std::chrono::nanoseconds took,
                          pipeline::log_fields& fields) {
    const auto* stage = c.find<tls_stage>();
    if (stage == nullptr) {
        return;
    }
    auto f = stage->facts();
    add(f.resumed ? resumed_ : ok_);
    add(versions_[f.version == "TLSv1.3" ? 1 : 0]);
    add(ciphers_[index_in(kCiphers, f.cipher)]);
    const double seconds = std::chrono::duration<double>(took).count();
    add(buckets_[static_cast<std::size_t>(
        std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin())]);
    add(duration_ns_, static_cast<std::uint64_t>(std::max<std::int64_t>(0, took.count())));
    // The client chose these bytes: escaped, they cannot forge or split a log line.
    fields.emplace_back("sni", core::log_safe(f.sni));
    fields.emplace_back("alpn", core::log_safe(f.alpn));
    fields.emplace_back("alpn_offered", std::move(f.offered_alpn));
    fields.emplace_back("tls_version", std::move(f.version));
    fields.emplace_back("cipher", std::move(f.cipher));
    fields.emplace_back("resumed", f.resumed ? "yes" : "no");
    fields.emplace_back("client_cert", f.client_cert ? core::log_safe(f.client_subject) : "");
    fields.emplace_back("client_verify", verify_text(f));
}

// The echo's own JSON escaping keeps these faithful, where log_safe would show
// a subject's commas and spaces as \x2c and \x20.
void tls_observer::app_facts(const pipeline::chain& c, pipeline::log_fields& facts) {
    const auto* stage = c.find<tls_stage>();
    if (stage == nullptr) {
        return;
    }
    auto f = stage->facts();
    facts.emplace_back("sni", std::move(f.sni));
    facts.emplace_back("alpn", std::move(f.alpn));
    facts.emplace_back("tls_version", std::move(f.version));
    facts.emplace_back("cipher", std::move(f.cipher));
    facts.emplace_back("client_cert", f.client_cert ? std::move(f.client_subject) : "");
    facts.emplace_back("client_verify", verify_text(f));
}

// A connection that failed below TLS (a bad PROXY header) never reached a handshake.
void tls_observer::failed(const pipeline::chain& c, std::string_view reason,
                          std::chrono::nanoseconds /*took*/) {
    if (!c.reached<tls_stage>()) {
        return;
    }
    constexpr std::size_t kOther = std::size(kFailureReasons) - 1;
    const std::size_t i = static_cast<std::size_t>(
        std::find(std::begin(kFailureReasons), std::end(kFailureReasons), reason) -
        std::begin(kFailureReasons));
    add(failures_[std::min(i, kOther)]);
}

void tls_observer::timed_out(const pipeline::chain& c) {
    if (c.reached<tls_stage>()) {
        add(timed_out_);
    }
}

std::string tls_observer::metrics_header() {
    return "# HELP echo_tls_handshakes_total TLS handshakes that ended, by result.\n"
           "# TYPE echo_tls_handshakes_total counter\n"
           "# HELP echo_tls_handshake_failures_total Failed TLS handshakes, by reason.\n"
           "# TYPE echo_tls_handshake_failures_total counter\n"
           "# HELP echo_tls_versions_total Completed TLS handshakes by protocol version.\n"
           "# TYPE echo_tls_versions_total counter\n"
           "# HELP echo_tls_ciphers_total Completed TLS handshakes by cipher suite.\n"
           "# TYPE echo_tls_ciphers_total counter\n"
           "# HELP echo_tls_handshake_duration_seconds From accept to a completed handshake.\n"
           "# TYPE echo_tls_handshake_duration_seconds histogram\n";
}

void tls_observer::append_metrics(std::string& out) const {
    const auto l = core::escape_label(listener_);
    const auto load = [](const counter& c) { return c.load(std::memory_order_relaxed); };
    const auto failures_sum = [&] {
        std::uint64_t n = 0;
        for (const auto& f : failures_) {
            n += load(f);
        }
        return n;
    }();
    out += fmt::format("echo_tls_handshakes_total{{listener=\"{}\",result=\"ok\"}} {}\n", l, load(ok_));
    out += fmt::format("echo_tls_handshakes_total{{listener=\"{}\",result=\"resumed\"}} {}\n", l,
                       load(resumed_));
    out += fmt::format("echo_tls_handshakes_total{{listener=\"{}\",result=\"failed\"}} {}\n", l,
                       failures_sum);
    out += fmt::format("echo_tls_handshakes_total{{listener=\"{}\",result=\"timed_out\"}} {}\n", l,
                       load(timed_out_));
    for (std::size_t i = 0; i < failures_.size(); ++i) {
        out += fmt::format("echo_tls_handshake_failures_total{{listener=\"{}\",reason=\"{}\"}} {}\n",
                           l, kFailureReasons[i], load(failures_[i]));
    }
    constexpr std::string_view versions[] = {"TLSv1.2", "TLSv1.3"};
    for (std::size_t i = 0; i < versions_.size(); ++i) {
        out += fmt::format("echo_tls_versions_total{{listener=\"{}\",version=\"{}\"}} {}\n", l,
                           versions[i], load(versions_[i]));
    }
    for (std::size_t i = 0; i < ciphers_.size(); ++i) {
        out += fmt::format("echo_tls_ciphers_total{{listener=\"{}\",cipher=\"{}\"}} {}\n", l,
                           i < kCiphers.size() ? kCiphers[i] : "other", load(ciphers_[i]));
    }
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        cumulative += load(buckets_[i]);
        const auto le = i < kBuckets.size() ? fmt::format("{}", kBuckets[i]) : "+Inf";
        out += fmt::format(
            "echo_tls_handshake_duration_seconds_bucket{{listener=\"{}\",le=\"{}\"}} {}\n", l, le,
            cumulative);
    }
    out += fmt::format("echo_tls_handshake_duration_seconds_sum{{listener=\"{}\"}} {:.9f}\n", l,
                       static_cast<double>(load(duration_ns_)) / 1e9);
    out += fmt::format("echo_tls_handshake_duration_seconds_count{{listener=\"{}\"}} {}\n", l,
                       cumulative);
}

}  // namespace echo::tls
