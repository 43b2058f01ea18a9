// One PROXY listener's header tallies (by result and failure reason), a bounded
// count of connections per client the headers named, and the fields of each
// connection's log line. Written by every loop, read by /metrics.
#pragma once

#include "core/peer_address.hpp"
#include "pipeline/chain_observer.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace echo::proxy {

class proxy_observer final : public pipeline::chain_observer {
public:
    explicit proxy_observer(std::string listener);

    void opened(const pipeline::chain& c, std::chrono::nanoseconds took,
                pipeline::log_fields& fields) override;
    void failed(const pipeline::chain& c, std::string_view reason,
                std::chrono::nanoseconds took) override;
    void timed_out(const pipeline::chain& c) override;

    void append_metrics(std::string& out) const;
    [[nodiscard]] static std::string metrics_header();

    // Clients counted by name; later ones are counted as "other", so a balancer
    // passing millions of addresses cannot grow the metrics page.
    static constexpr std::size_t kMaxClients = 64;

private:
    using counter = std::atomic<std::uint64_t>;
    enum result : std::size_t { v1, v2, local, absent, failed_, timed_out_, kResults };
    static void add(counter& c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }
    void count_client(const std::optional<core::peer_address>& client);

    std::string listener_;
    std::array<counter, kResults> results_{};
    std::vector<std::string_view> reasons_;  // the parser's, then the stage's, then "other"
    std::unique_ptr<counter[]> failures_;
    mutable std::mutex clients_mutex_;
    std::vector<std::pair<core::peer_address, std::uint64_t>> clients_;
    std::uint64_t other_clients_ = 0;
    std::uint64_t direct_ = 0;  // served as themselves: no header, or LOCAL
};

}  // namespace echo::proxy
