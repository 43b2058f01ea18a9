// One event loop: an engine, the listening sockets of this thread, and the
// connections it accepted. Echo logic lives here once, for every engine.
#pragma once

#include "core/datagram_guard.hpp"
#include "core/echo_stream.hpp"
#include "core/listen_url.hpp"
#include "core/rate_limit.hpp"
#include "core/slot_table.hpp"
#include "io/engine.hpp"
#include "net/endpoint.hpp"
#include "net/unique_fd.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace echo::server {

struct worker_options {
    std::size_t max_chunks = 4;  // per connection: the backpressure bound
    std::chrono::duration<double> drain_timeout = std::chrono::seconds{5};
    core::datagram_guard_options udp;
};

// A socket this worker serves: a TCP or Unix listener, or a UDP socket.
struct worker_socket {
    net::unique_fd fd;
    core::transport kind;
};

// What became of the datagrams on one UDP socket.
struct datagram_counts {
    std::uint64_t echoed = 0;
    std::array<std::uint64_t, core::kDatagramVerdicts> judged{};  // received, by verdict
    std::uint64_t send_buffer_full = 0;

    void merge(const datagram_counts& o) noexcept {
        echoed += o.echoed;
        for (std::size_t i = 0; i < judged.size(); ++i) {
            judged[i] += o.judged[i];
        }
        send_buffer_full += o.send_buffer_full;
    }
};

class worker final : private io::completion_handler {
public:
    using clock = std::chrono::steady_clock;

    worker(std::unique_ptr<io::engine> engine, std::vector<worker_socket> sockets,
           const worker_options& options);

    // Runs the loop on the calling thread until a stop was requested and every
    // connection is done (or the drain timeout cut them off).
    void run();
    // Thread-safe. Stops accepting; open connections keep being served.
    void request_stop() noexcept;
    // Per socket index (zero for stream listeners). Read after run() returned.
    [[nodiscard]] const std::vector<datagram_counts>& datagrams() const noexcept {
        return datagram_counts_;
    }

private:
    // Ordered so the flags fill the endpoint's padding: every idle connection
    // costs one of these.
    struct connection {
        net::endpoint peer;
        bool receiving = false;
        bool closing = false;
        clock::time_point opened;
        core::echo_stream stream;
    };

    void on_accept(std::size_t listener, int fd, const sockaddr* peer,
                   socklen_t peer_len) override;
    void on_recv(io::conn_token conn, int result, core::chunk_ptr data) override;
    void on_send(io::conn_token conn, int result) override;
    void on_closed(io::conn_token conn) override;
    void on_datagrams(std::size_t socket, std::span<io::datagram> batch) override;
    void on_datagrams_sent(std::size_t socket, std::size_t sent, std::size_t dropped) override;
    void on_notify() override;

    connection* find(io::conn_token t) noexcept;
    void open_connection(int fd, const net::endpoint& peer);
    void pump(io::conn_token t, connection& c);
    void close_connection(io::conn_token t, connection& c, const char* reason);
    void out_of_descriptors(int err);
    void set_accepting(bool on);
    void begin_drain();
    void run_timers(clock::time_point now);
    [[nodiscard]] std::chrono::milliseconds next_timeout(clock::time_point now) const;

    std::unique_ptr<io::engine> engine_;
    std::vector<worker_socket> sockets_;
    worker_options options_;
    core::datagram_guard guard_;
    std::vector<datagram_counts> datagram_counts_;
    core::slot_table<connection> conns_;
    core::rate_limit accept_warning_{std::chrono::seconds{5}};
    std::optional<clock::time_point> accept_retry_at_;
    std::optional<clock::time_point> drain_deadline_;
    std::atomic<bool> stop_requested_{false};
    bool accepting_ = true;
    bool draining_ = false;
};

}  // namespace echo::server
