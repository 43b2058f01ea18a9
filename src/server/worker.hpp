// One event loop: an engine, the listening sockets of this thread, and the
// connections it accepted. Echo logic lives here once, for every engine.
#pragma once

#include "core/address_counts.hpp"
#include "core/chunk_pool.hpp"
#include "core/datagram_fault_dice.hpp"
#include "core/datagram_fault_switch.hpp"
#include "core/datagram_guard.hpp"
#include "core/datagram_service.hpp"
#include "core/datagram_hold.hpp"
#include "core/deadline_list.hpp"
#include "core/echo_stream.hpp"
#include "core/listen_url.hpp"
#include "core/rate_limit.hpp"
#include "core/slot_table.hpp"
#include "core/timer_heap.hpp"
#include "io/engine.hpp"
#include "net/endpoint.hpp"
#include "net/unique_fd.hpp"
#include "pipeline/recipe.hpp"
#include "server/admission_gate.hpp"
#include "server/event_sink.hpp"
#include "server/events_app_log.hpp"
#include "server/live_tallies.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace echo::server {

struct worker_options {
    std::size_t max_chunks = 4;  // per connection: the backpressure bound
    std::uint32_t chunk_size = 16 * 1024;  // of the chunks stages produce
    std::chrono::duration<double> drain_timeout = std::chrono::seconds{5};
    core::datagram_guard_options udp;
    core::connection_limits limits;
    std::shared_ptr<admission_gate> gate;  // shared by all workers; null when no such limit
    std::vector<std::string> listener_urls;  // per socket index: the `listener` log key
    std::shared_ptr<event_sink> events;  // required; shared by all workers
};

// A socket this worker serves: a TCP or Unix listener, or a UDP socket.
struct worker_socket {
    net::unique_fd fd;
    core::transport kind;
    bool nodelay = true;  // TCP: set TCP_NODELAY on every accepted connection
    // The stages between the socket and the application (TLS, ...) and the
    // application (HTTP, ...); null: raw echo.
    std::shared_ptr<const pipeline::recipe> recipe;
    // What the listener serves: on streams it is the recipe's application and named
    // in the log; on UDP the worker answers each datagram by it.
    core::service_kind service = core::service_kind::echo;
    std::vector<core::address_range> chargen_from;  // UDP chargen: who gets full replies
    // UDP: what the listener's faults are now (the admin API may swap them); null, or
    // a spec with nothing set, costs one atomic load per batch.
    std::shared_ptr<const core::datagram_fault_switch> faults;
};

class worker final : private io::completion_handler {
public:
    using clock = std::chrono::steady_clock;

    // Throws std::invalid_argument when options.events is null.
    worker(std::unique_ptr<io::engine> engine, std::vector<worker_socket> sockets,
           const worker_options& options);

    // Runs the loop on the calling thread until a stop was requested and every
    // connection is done (or the drain timeout cut them off).
    void run();
    // Thread-safe. Stops accepting; open connections keep being served.
    void request_stop() noexcept;
    // Per socket index; readable from any thread at any time.
    [[nodiscard]] const live_tallies& tallies(std::size_t socket) const noexcept {
        return tallies_[socket];
    }
    // Readable from any thread at any time.
    [[nodiscard]] const io::engine_counters& engine_counters() const noexcept {
        return engine_->counters();
    }

private:
    // Every idle connection costs one of these. Whether it is receiving or closing
    // is the engine's to know (engine::is_open), not copied here.
    // How a connection is counted by the per-address limits, to be released so.
    struct counted_as {
        std::optional<core::peer_address> gate;     // the admission gate's key
        std::optional<core::peer_address> opening;  // opening_by_address_'s key
        bool naming_pending = false;  // a stage will name the client (a PROXY header)
    };

    struct connection {
        net::endpoint peer;  // the client: the socket's peer, or whom a header named
        std::uint16_t listener = 0;
        clock::time_point opened;
        core::echo_stream stream;  // the raw echo, when there is no application
        std::unique_ptr<pipeline::chain> chain;  // null without stages (or once transparent)
        // Null for raw echo without stages; with stages, made once they are open.
        std::unique_ptr<pipeline::application> app;
        std::int64_t wake_at = 0;  // the app's wake-up in app_timers_ (0: none)
        counted_as counted;
        std::optional<net::endpoint> via;  // the balancer, when a header named the client
        std::uint8_t stages_opened = 0;  // chain: stages open, for their deadlines
        bool wire_sending = false;  // chain: a send of its wire bytes is in flight
        bool stages_open = false;   // chain: every stage opened (and was reported)
        bool app_ended = false;     // chain: told the stages the echo is done
        bool sending_ended = false;  // no chain: the application said all, our FIN sent
    };

    void on_accept(std::size_t listener, int fd, const sockaddr* peer,
                   socklen_t peer_len) override;
    void on_recv(io::conn_token conn, int result, core::chunk_ptr data) override;
    void on_send(io::conn_token conn, int result) override;
    void on_closed(io::conn_token conn) override;
    void on_datagrams(std::size_t socket, std::span<io::datagram> batch) override;
    void on_datagrams_sent(std::size_t socket, std::size_t sent, std::size_t dropped,
                           std::size_t sent_bytes) override;
    void on_notify() override;
    // After the guard: the listener's faults drop, flip, double or hold what it let by.
    void apply_faults(std::size_t socket, core::datagram_fault_dice& dice,
                      std::span<io::datagram> batch, std::int64_t now);
    // New dice for a socket whose fault spec was swapped since its last batch.
    void follow_fault_switch(std::size_t socket);
    void send_held(std::int64_t now);

    connection* find(io::conn_token t) noexcept;
    void open_connection(std::size_t listener, int fd, const net::endpoint& peer,
                         const counted_as& counted);
    // How the connection is counted, or nothing when a limit refused it.
    [[nodiscard]] std::optional<counted_as> admit(std::size_t listener, int fd,
                                                  const net::endpoint& peer);
    void log_refusal(std::size_t listener, const net::endpoint& peer, core::refusal r);
    void release(counted_as& counted) noexcept;
    [[nodiscard]] bool settle_client(io::conn_token t, connection& c, const pipeline::peer_claim& claim);
    void tune(std::size_t listener, int fd) noexcept;
    // At the drain: accepts what already waits in a listener's queue.
    void take_queued(std::size_t listener);
    static constexpr std::size_t kMaxTakenAtDrain = 65536;
    void touch(io::conn_token t);
    void pump(io::conn_token t, connection& c);
    void pump_chain(io::conn_token t, connection& c);
    // false: the connection was closed on the way.
    [[nodiscard]] bool move_chain_bytes(io::conn_token t, connection& c, std::int64_t now);
    void on_app_recv(io::conn_token t, connection& c, int result, core::chunk_ptr data);
    void pump_app(io::conn_token t, connection& c);
    [[nodiscard]] bool start_app(connection& c, std::int64_t now);
    void sync_wake(io::conn_token t, connection& c);
    void run_app_timers(std::int64_t now);
    void on_chain_recv(io::conn_token t, connection& c, int result, core::chunk_ptr data);
    void on_chain_sent(io::conn_token t, connection& c, std::size_t n);
    [[nodiscard]] bool on_stages_open(io::conn_token t, connection& c, std::int64_t now);
    void report_unopened(const connection& c, core::close_reason reason);
    [[nodiscard]] std::optional<core::peer_address> opening_key(const net::endpoint& peer) const;
    // `reason` none: refused by a limit once its client was named, counted as refused.
    // `abortive`: the peer gets a reset (an application's fault asked for it).
    void close_connection(io::conn_token t, connection& c,
                          std::optional<core::close_reason> reason, bool abortive = false);
    void out_of_descriptors(std::size_t listener, int err);
    void set_accepting(bool on);
    void begin_drain();
    void run_timers(clock::time_point now);
    void expire(core::deadline_list& list, core::close_reason reason, clock::time_point now);
    [[nodiscard]] std::chrono::milliseconds next_timeout(clock::time_point now) const;

    std::unique_ptr<io::engine> engine_;
    std::vector<worker_socket> sockets_;
    worker_options options_;
    core::datagram_guard guard_;
    // Per socket: the UDP service other than the echo (none: the datagram goes back).
    std::vector<std::optional<core::datagram_service>> datagram_services_;
    std::vector<std::optional<core::datagram_fault_dice>> dice_;  // per socket: faulted UDP
    std::vector<std::uint64_t> dice_versions_;  // per socket: the switch version dice_ follows
    core::datagram_hold held_;  // what the faults delay, for every socket of this loop
    std::vector<core::held_datagram> due_;           // send_held's scratch
    std::vector<io::outgoing_datagram> outgoing_;    // send_held's scratch
    std::unique_ptr<live_tallies[]> tallies_;
    core::slot_table<connection> conns_;
    core::deadline_list idle_;      // by last activity, when --idle-timeout is set
    core::deadline_list lifetime_;  // by open time, when --max-lifetime is set
    // Per socket: connections whose stages are still opening, by accept time.
    std::vector<core::deadline_list> opening_;
    core::address_counts opening_by_address_;  // connections still opening, per address
    // Per socket, kept through the drain (sockets_ is not): null for raw echo.
    std::vector<std::shared_ptr<const pipeline::recipe>> recipes_;
    core::timer_heap app_timers_;  // applications' wake-ups (?delay=, request deadlines)
    events_app_log app_log_;
    core::chunk_pool stage_chunks_;  // what stages write into: plaintext and wire bytes
    core::rate_limit accept_warning_{std::chrono::seconds{5}};
    core::rate_limit refusal_warning_{std::chrono::seconds{5}};
    std::optional<clock::time_point> accept_retry_at_;
    std::optional<clock::time_point> drain_deadline_;
    std::atomic<bool> stop_requested_{false};
    bool accepting_ = true;
    bool draining_ = false;
};

}  // namespace echo::server
