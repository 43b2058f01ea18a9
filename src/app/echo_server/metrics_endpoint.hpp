// /metrics, /healthz and /readyz on their own thread with blocking-style I/O under
// deadlines, so a scrape never touches an echo loop. One request per connection.
#pragma once

#include "core/listen_url.hpp"
#include "net/unique_fd.hpp"

#include <functional>
#include <string>
#include <thread>

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
    void serve();
    void answer(int fd);

    metrics_routes routes_;
    net::unique_fd listener_;
    net::unique_fd stop_;  // eventfd: written by the destructor
    std::string url_;
    std::thread thread_;
};

}  // namespace echo::app
