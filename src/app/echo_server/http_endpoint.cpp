// A hand-written responder rather than Debian's cpp-httplib: that library's shared
// object pulls in OpenSSL, zlib, brotli and a shared libstdc++ (+5.9 MiB RSS measured
// for a program that merely links it), which an echo server holding 10 000 idle
// connections in 4 MiB cannot afford. Connections are served side by side in one
// poll() set, so a stalled client delays nobody; see kMaxExchanges for what one holds.
#include "app/echo_server/http_endpoint.hpp"

#include "core/http_exchange.hpp"
#include "net/resolver.hpp"
#include "net/reuseport_group.hpp"
#include "net/setup_error.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace echo::app {

namespace {

constexpr auto kRequestDeadline = std::chrono::seconds{2};
// What one peer can hold here: kMaxExchanges connections × (kMaxRequestHead (8 KiB)
// + max_body) of request buffer = 512 KiB for /metrics (no body), 1.5 MiB for the
// admin API (16 KiB bodies), each for at most kRequestDeadline. When the set is
// full, a new connection evicts the one accepted longest ago, so stalling clients
// only push each other out: an honest scrape finishes in milliseconds and is
// therefore almost never the oldest, and it is never queued behind a stalled one.
constexpr std::size_t kMaxExchanges = 64;
using clock = std::chrono::steady_clock;

// Where an address is a loopback one, so an admin port bound there needs no token.
bool is_loopback(const net::endpoint& e) {
    const auto* sa = e.sockaddr_ptr();
    if (e.family() == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(sa);
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    if (e.family() == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(sa);
        return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) != 0;
    }
    return false;
}

std::string peer_text(const sockaddr* sa, socklen_t len) {
    const auto e = net::endpoint::from_sockaddr(sa, len);
    return e ? e->to_string() : std::string{"?"};
}

}  // namespace

http_endpoint::http_endpoint(const core::listen_url& url, http_handler handler,
                             std::size_t max_body)
    : handler_(std::move(handler)),
      max_body_(max_body),
      stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    const auto addresses = net::resolve_listen_addresses(url.host, url.port, url.scope);
    net::listen_options options;
    options.backlog = 64;
    auto fds = net::open_tcp_listeners(addresses.front(), 1, options);
    listener_ = std::move(fds.front());
    const auto local = net::local_endpoint(listener_.get());
    loopback_ = is_loopback(local);
    url_ = "http://" + local.to_string();
}

http_endpoint::~http_endpoint() {
    if (thread_.joinable()) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(stop_.get(), &one, sizeof one);
        thread_.join();
    }
}

void http_endpoint::start() {
    thread_ = std::thread([this] { serve(); });
}

void http_endpoint::serve() {
    std::vector<pollfd> fds;
    while (true) {
        fds.assign({{listener_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}});
        auto wake = clock::time_point::max();
        for (const auto& x : exchanges_) {
            const bool reading = x.reply.empty() || x.sent == x.reply.size();
            fds.push_back({x.fd.get(), static_cast<short>(reading ? POLLIN : POLLOUT), 0});
            wake = std::min(wake, x.deadline);
        }
        int timeout_ms = -1;
        if (!exchanges_.empty()) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - clock::now());
            timeout_ms = static_cast<int>(std::max<std::int64_t>(left.count(), 0));
        }
        if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
            spdlog::error("{}: poll: {}", url_, net::errno_text(errno));
            return;
        }
        if (fds[1].revents != 0) {
            return;
        }
        const auto now = clock::now();
        for (std::size_t i = 0; i < exchanges_.size(); ++i) {
            auto& x = exchanges_[i];
            if (fds[i + 2].revents == 0) {
                continue;
            }
            if (x.reply.empty()) {
                on_readable(x);
            } else if (x.sent == x.reply.size()) {
                drain(x);
            } else {
                send_reply(x);
            }
        }
        // Too slow: nothing worth answering, or a reader that stopped reading.
        for (auto& x : exchanges_) {
            if (x.fd && x.deadline <= now) {
                x.fd.reset();
            }
        }
        std::erase_if(exchanges_, [](const exchange& x) { return !x.fd; });
        if (fds[0].revents != 0) {
            accept_all();
        }
    }
}

void http_endpoint::accept_all() {
    // Bounded per wake, so a flood of connects cannot starve the ones already held.
    for (std::size_t i = 0; i < kMaxExchanges; ++i) {
        sockaddr_storage peer{};
        socklen_t peer_len = sizeof peer;
        net::unique_fd conn{::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer),
                                      &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC)};
        if (!conn) {
            return;  // EAGAIN, or a connection that died before we took it
        }
        if (exchanges_.size() >= kMaxExchanges) {
            // All share one deadline length, so the earliest deadline is the oldest.
            const auto oldest = std::min_element(
                exchanges_.begin(), exchanges_.end(),
                [](const exchange& a, const exchange& b) { return a.deadline < b.deadline; });
            exchanges_.erase(oldest);
        }
        exchanges_.push_back({std::move(conn), clock::now() + kRequestDeadline,
                              std::make_unique_for_overwrite<char[]>(core::kMaxRequestHead +
                                                                     max_body_),
                              0, peer_text(reinterpret_cast<const sockaddr*>(&peer), peer_len),
                              {}, 0, false});
    }
}

void http_endpoint::on_readable(exchange& x) {
    const std::size_t room = core::kMaxRequestHead + max_body_;
    const ssize_t n = ::recv(x.fd.get(), x.head.get() + x.head_size, room - x.head_size, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        x.fd.reset();  // closed or failed before a whole request: nothing to answer
        return;
    }
    if (n < 0) {
        return;
    }
    x.head_size += static_cast<std::size_t>(n);
    // A full buffer without a complete head is `malformed`: the parser's own limit.
    core::request_line req;
    const auto status = core::parse_request_head({x.head.get(), x.head_size}, req);
    if (status == core::head_status::incomplete) {
        return;
    }
    if (status == core::head_status::malformed) {
        x.unread = true;
        answer(x, {400, "text/plain; charset=utf-8", "bad request\n", {}}, false);
        return;
    }
    if (req.transfer_encoding) {
        // 411, not 501: the client can fix it, by framing the body with a length;
        // and a Transfer-Encoding beside a Content-Length is how requests are smuggled.
        x.unread = true;
        answer(x, {411, "text/plain; charset=utf-8",
                   "send the body with Content-Length: Transfer-Encoding is not read here\n", {}},
               req.method == "HEAD");
        return;
    }
    if (req.content_length > max_body_) {
        x.unread = true;
        answer(x, {413, "text/plain; charset=utf-8",
                   "the body may be at most " + std::to_string(max_body_) + " bytes\n", {}},
               req.method == "HEAD");
        return;
    }
    if (x.head_size < req.head_size + req.content_length) {
        return;  // the body is still arriving, and fits
    }
    const std::string_view body{x.head.get() + req.head_size, req.content_length};
    answer(x, handler_(req, body, x.peer), req.method == "HEAD");
}

void http_endpoint::answer(exchange& x, const core::http_response& response, bool head_only) {
    {
        const std::lock_guard lock{answered_mutex_};
        ++answered_[response.status];
    }
    x.reply = core::serialise(response, head_only);
    x.head.reset();  // the request is done with; only the reply is held from here on
    send_reply(x);
}

std::map<int, std::uint64_t> http_endpoint::answered() const {
    const std::lock_guard lock{answered_mutex_};
    return answered_;
}

void http_endpoint::send_reply(exchange& x) {
    while (x.sent < x.reply.size()) {
        const ssize_t n = ::send(x.fd.get(), x.reply.data() + x.sent, x.reply.size() - x.sent,
                                 MSG_NOSIGNAL);
        if (n > 0) {
            x.sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;  // the rest when poll() says there is room, before the deadline
        } else {
            break;
        }
    }
    if (x.unread && x.sent == x.reply.size()) {
        // Closing with the client's bytes unread would send a reset, which can destroy
        // the answer before the client reads it: end our side, and read theirs away
        // until they close or the deadline passes.
        ::shutdown(x.fd.get(), SHUT_WR);
        return;
    }
    x.fd.reset();  // one request per connection: done, or the peer is gone
}

void http_endpoint::drain(exchange& x) {
    char sink[4096];
    const ssize_t n = ::recv(x.fd.get(), sink, sizeof sink, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        x.fd.reset();
    }
}

}  // namespace echo::app
