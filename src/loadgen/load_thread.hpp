// One load-generating thread: its own epoll, its share of the connections, and its
// own results; nothing shared on the data path but relaxed counters.
#pragma once

#include "core/datagram_tracker.hpp"
#include "core/echo_expectation.hpp"
#include "core/message_pattern.hpp"
#include "core/pacer.hpp"
#include "loadgen/bench_config.hpp"
#include "loadgen/live_progress.hpp"
#include "loadgen/message_codec.hpp"
#include "loadgen/run_result.hpp"
#include "loadgen/target_address.hpp"
#include "loadgen/tls_client.hpp"
#include "net/unique_fd.hpp"

#include <sys/types.h>

#include <barrier>
#include <cstdint>
#include <optional>
#include <vector>

namespace echo::loadgen {

// What a thread's connections are: the measured ones, or --streamers antagonists
// (same verification, own results, started ahead of the warm-up).
enum class load_role { measured, streamer };

// The rendezvous of the threads with the main thread: everyone connected, then
// the timeline is set, then load starts.
struct run_sync {
    explicit run_sync(std::ptrdiff_t parties) : gate(parties) {}
    std::barrier<> gate;
    timeline times;  // written by main between the two gate passes
    live_progress progress;            // the measured connections
    live_progress streamer_progress;   // the streamers', kept apart
};

class load_thread {
public:
    // Drives connections `first_conn`, `first_conn + stride`, ... below config.conns.
    load_thread(const bench_config& config, const core::message_pattern& pattern,
                const target_address& target, unsigned first_conn, unsigned stride,
                load_role role = load_role::measured);

    // Connect, meet at the gate twice, load, drain, close. Runs on its own thread.
    void run(run_sync& sync);
    [[nodiscard]] const run_result& result() const noexcept { return result_; }
    // Connections ready to carry messages; read by main between the two gate passes.
    [[nodiscard]] std::size_t ready_connections() const noexcept;

private:
    struct connection {
        std::uint32_t id;
        net::unique_fd fd;
        core::echo_expectation expect;  // streams
        core::datagram_tracker tracker;  // datagrams
        std::uint64_t next_seq = 0;
        std::uint64_t rng;
        std::uint32_t done = 0;  // messages echoed on this connection (for churn)
        bool connecting = false;
        bool open = false;         // ready for messages: connected, and TLS finished
        bool handshaking = false;  // TLS targets: connected, handshake under way
        std::int64_t connect_ns = 0;  // when connect() was called
        tls_stream tls;            // declared after fd: freed before the socket closes
        message_codec codec;       // http/ws targets: the framing of every message
        bool upgrading = false;    // ws targets: the upgrade request sent, 101 awaited
    };

    void connect_all();
    void start_connect(connection& c);
    void finish_connect(connection& c);
    void on_connected(connection& c);
    [[nodiscard]] bool send_proxy_header(connection& c);
    void continue_handshake(connection& c);
    [[nodiscard]] static bool settling(const connection& c) noexcept {
        return c.connecting || c.handshaking || c.upgrading;
    }
    void begin_session(connection& c);
    void continue_upgrade(connection& c);
    void close_websockets();
    void advance_setup(connection& c);
    void close_connection(connection& c) noexcept;
    void start_load();
    void fill_pipeline(connection& c, std::int64_t now);
    void reconnect(connection& c, std::int64_t now);
    void load_until(std::int64_t until_ns, bool issuing);
    void on_event(connection& c, std::uint32_t events);
    void read_all(connection& c, bool peer_closed);
    [[nodiscard]] ssize_t receive(connection& c);
    [[nodiscard]] bool settle(connection& c, std::span<const std::byte> got);
    void flush(connection& c);
    void flush_tls(connection& c);
    void flush_framed(connection& c);
    [[nodiscard]] ssize_t write_some(connection& c, std::span<const std::byte> bytes);
    [[nodiscard]] static bool unsent(const connection& c) noexcept {
        return !c.expect.all_sent() || !c.codec.pending().empty();
    }
    void push_message(connection& c, std::int64_t sent_ns);
    void send_datagram(connection& c, std::uint32_t size, std::int64_t sent_ns);
    void read_datagrams(connection& c);
    void check_datagram(connection& c, std::span<const std::byte> d, std::int64_t now);
    [[nodiscard]] std::optional<std::uint64_t> corrupted_seq(const connection& c,
                                                             std::span<const std::byte> d) const;
    void complete(std::int64_t now, std::int64_t sent_ns, std::uint32_t size);
    void expire_lost(std::int64_t now);
    [[nodiscard]] std::size_t owed_by(const connection& c) const noexcept;
    void issue_due(std::int64_t now);
    void fail(connection& c, std::uint64_t error_counts::*kind, const std::string& what);
    void publish(bool force);
    [[nodiscard]] bool owed() const noexcept;
    [[nodiscard]] std::int64_t next_wakeup(std::int64_t until_ns) const noexcept;

    const bench_config& config_;
    const core::message_pattern& pattern_;
    target_address target_;
    bool datagrams_;
    std::byte keep_;  // what the expectations AND in: 0x7f for --ws-text
    std::int64_t next_expiry_ns_ = 0;
    net::unique_fd epoll_;
    std::vector<connection> conns_;
    std::vector<std::byte> scratch_;
    std::optional<tls_client_context> tls_;  // tls:// and unix+tls: targets
    std::vector<std::byte> tls_out_;         // small messages gathered into one record
    load_role role_;
    live_progress* progress_ = nullptr;  // in the run_sync given to run()
    timeline times_;
    std::optional<core::pacer> pacer_;  // open loop only
    std::uint64_t issued_ = 0;
    std::int64_t next_publish_ns_ = 0;
    std::uint64_t unpublished_messages_ = 0, unpublished_bytes_ = 0;
    core::latency_histogram interval_;
    run_result result_;
};

}  // namespace echo::loadgen
