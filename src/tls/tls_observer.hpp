// One TLS listener's handshake tallies (by result, failure reason, version and
// cipher, and a duration histogram) and the fields of each connection's log
// line. Written by every loop with relaxed atomics, read by /metrics.
#pragma once

#include "pipeline/chain_observer.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace echo::tls {

class tls_observer final : public pipeline::chain_observer {
public:
    explicit tls_observer(std::string listener) : listener_(std::move(listener)) {}

    void opened(const pipeline::chain& c, std::chrono::nanoseconds took,
                pipeline::log_fields& fields) override;
    void app_facts(const pipeline::chain& c, pipeline::log_fields& facts) override;
    void failed(const pipeline::chain& c, std::string_view reason,
                std::chrono::nanoseconds took) override;
    void timed_out(const pipeline::chain& c) override;

    // Appends this listener's series (Prometheus text format, no HELP/TYPE lines:
    // those are written once by metrics_header()).
    void append_metrics(std::string& out) const;
    [[nodiscard]] static std::string metrics_header();

    // Bucket bounds of the duration histogram, seconds.
    static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                       0.05,   0.1,   0.25,  0.5,   1,    5};
    static constexpr std::array<std::string_view, 9> kCiphers = {
        "TLS_AES_128_GCM_SHA256",        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",  "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",   "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305"};

private:
    using counter = std::atomic<std::uint64_t>;
    static void add(counter& c, std::uint64_t n = 1) noexcept {
        c.fetch_add(n, std::memory_order_relaxed);
    }

    std::string listener_;
    counter ok_{0}, resumed_{0}, timed_out_{0};
    std::array<counter, 9> failures_{};  // by tls_errors kFailureReasons
    std::array<counter, 2> versions_{};  // TLSv1.2, TLSv1.3
    std::array<counter, kCiphers.size() + 1> ciphers_{};  // the last one: other
    std::array<counter, kBuckets.size() + 1> buckets_{};  // the last one: +Inf
    counter duration_ns_{0};
};

}  // namespace echo::tls
