// /metrics, /healthz and /readyz on their own thread, many connections at once in
// one poll() set, so a scrape never touches an echo loop. One request per connection.
#pragma once

#include "core/listen_url.hpp"
#include "net/unique_fd.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace echo::app {

struct metrics_routes {
    std::function<std::string()> metrics;  // the Prometheus text
    std::function<bool()> ready;           // false while draining
};

class metrics_endpoint {
public:
    // Binds at once, so a bad --metrics fails before "listening on"; serves from start().
    metrics_endpoint(const core::listen_url& url, metrics_routes routes);
    ~metrics_endpoint();
    metrics_endpoint(const metrics_endpoint&) = delete;
    metrics_endpoint& operator=(const metrics_endpoint&) = delete;

    [[nodiscard]] const std::string& url() const noexcept { return url_; }
    void start();

private:
    // One connection: reads its head into a fixed buffer, then writes its reply.
    struct exchange {
        net::unique_fd fd;
        std::chrono::steady_clock::time_point deadline;
        std::unique_ptr<char[]> head;  // core::kMaxRequestHead bytes
        std::size_t head_size = 0;
        std::string reply;  // empty while the head is still arriving
        std::size_t sent = 0;
    };

    void serve();
    void accept_all();
    void on_readable(exchange& x);
    void send_reply(exchange& x);

    metrics_routes routes_;
    std::vector<exchange> exchanges_;
    net::unique_fd listener_;
    net::unique_fd stop_;  // eventfd: written by the destructor
    std::string url_;
    std::thread thread_;
};

}  // namespace echo::app
