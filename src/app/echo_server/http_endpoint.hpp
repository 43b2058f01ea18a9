// A small HTTP/1.x endpoint on its own thread (/metrics and friends, the admin API),
// many connections at once in one poll() set, so a scrape never touches an echo
// loop. One request per connection.
#pragma once

#include "core/http_exchange.hpp"
#include "core/listen_url.hpp"
#include "net/unique_fd.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace echo::app {

// Called on the endpoint's thread for each whole request: its head, its body and
// the peer's address (for the log).
using http_handler = std::function<core::http_response(
    const core::request_line&, std::string_view body, const std::string& peer)>;

class http_endpoint {
public:
    // Binds at once, so a bad address fails before "listening on"; serves from start().
    // `max_body`: longer bodies get 413 unread.
    http_endpoint(const core::listen_url& url, http_handler handler, std::size_t max_body = 0);
    ~http_endpoint();
    http_endpoint(const http_endpoint&) = delete;
    http_endpoint& operator=(const http_endpoint&) = delete;

    // http://HOST:PORT, as bound.
    [[nodiscard]] const std::string& url() const noexcept { return url_; }
    [[nodiscard]] bool loopback() const noexcept { return loopback_; }
    void start();
    // Thread-safe: how many answers of each status were sent.
    [[nodiscard]] std::map<int, std::uint64_t> answered() const;

private:
    // One connection: reads its head and body into a fixed buffer, then writes its reply.
    struct exchange {
        net::unique_fd fd;
        std::chrono::steady_clock::time_point deadline;
        std::unique_ptr<char[]> head;  // core::kMaxRequestHead + max_body_ bytes
        std::size_t head_size = 0;     // bytes received so far
        std::string peer;
        std::string reply;  // empty while the head is still arriving
        std::size_t sent = 0;
        bool unread = false;  // answered before the whole request was read
    };

    void serve();
    void accept_all();
    void on_readable(exchange& x);
    void send_reply(exchange& x);
    // After an answer sent with request bytes unread: reads them away until EOF.
    void drain(exchange& x);
    void answer(exchange& x, const core::http_response& response, bool head_only);

    http_handler handler_;
    std::size_t max_body_;
    mutable std::mutex answered_mutex_;
    std::map<int, std::uint64_t> answered_;  // by status; a handful of keys
    std::vector<exchange> exchanges_;
    net::unique_fd listener_;
    net::unique_fd stop_;  // eventfd: written by the destructor
    std::string url_;
    bool loopback_ = false;
    std::thread thread_;
};

}  // namespace echo::app
