// A hand-written responder rather than Debian's cpp-httplib: that library's shared
// object pulls in OpenSSL, zlib, brotli and a shared libstdc++ (+5.9 MiB RSS measured
// for a program that merely links it), which an echo server holding 10 000 idle
// connections in 4 MiB cannot afford. Scrapes are served one at a time, each under
// a 2 s deadline, so a stalled client delays the next scrape by at most that.
#include "app/echo_server/metrics_endpoint.hpp"

#include "core/http_exchange.hpp"
#include "net/resolver.hpp"
#include "net/reuseport_group.hpp"
#include "net/setup_error.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>

namespace echo::app {

namespace {

constexpr auto kRequestDeadline = std::chrono::seconds{2};
using clock = std::chrono::steady_clock;

// Waits for `events` on fd until the deadline; false on timeout or error.
bool wait_for(int fd, short events, clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
        return false;
    }
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) == 1;
}

bool send_all(int fd, std::string_view bytes, clock::time_point deadline) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return false;
        } else if (!wait_for(fd, POLLOUT, deadline)) {
            return false;
        }
    }
    return true;
}

core::http_response route(const core::request_line& req, const metrics_routes& routes) {
    if (req.method != "GET" && req.method != "HEAD") {
        return {405, "text/plain; charset=utf-8", "only GET and HEAD\n"};
    }
    if (req.path == "/metrics") {
        return {200, "text/plain; version=0.0.4; charset=utf-8", routes.metrics()};
    }
    if (req.path == "/healthz") {
        return {200, "text/plain; charset=utf-8", "ok\n"};
    }
    if (req.path == "/readyz") {
        return routes.ready() ? core::http_response{200, "text/plain; charset=utf-8", "ready\n"}
                              : core::http_response{503, "text/plain; charset=utf-8", "draining\n"};
    }
    return {404, "text/plain; charset=utf-8", "try /metrics, /healthz or /readyz\n"};
}

}  // namespace

metrics_endpoint::metrics_endpoint(const core::listen_url& url, metrics_routes routes)
    : routes_(std::move(routes)), stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    const auto addresses = net::resolve_listen_addresses(url.host, url.port, url.scope);
    auto fds = net::open_tcp_listeners(addresses.front(), 1, {64, false});
    listener_ = std::move(fds.front());
    url_ = "http://" + net::local_endpoint(listener_.get()).to_string() + "/metrics";
}

metrics_endpoint::~metrics_endpoint() {
    if (thread_.joinable()) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(stop_.get(), &one, sizeof one);
        thread_.join();
    }
}

void metrics_endpoint::start() {
    thread_ = std::thread([this] { serve(); });
}

void metrics_endpoint::serve() {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    while (true) {
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
            spdlog::error("metrics: poll: {}", net::errno_text(errno));
            return;
        }
        if (fds[1].revents != 0) {
            return;
        }
        if (fds[0].revents != 0) {
            net::unique_fd conn{::accept4(listener_.get(), nullptr, nullptr,
                                          SOCK_NONBLOCK | SOCK_CLOEXEC)};
            if (conn) {
                answer(conn.get());
            }
        }
    }
}

void metrics_endpoint::answer(int fd) {
    const auto deadline = clock::now() + kRequestDeadline;
    std::string received;
    core::request_line req;
    auto status = core::head_status::incomplete;
    char buf[2048];
    while (status == core::head_status::incomplete) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            received.append(buf, static_cast<std::size_t>(n));
            status = core::parse_request_head(received, req);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR) ||
                   !wait_for(fd, POLLIN, deadline)) {
            return;  // closed, failed or too slow: nothing worth answering
        }
    }
    const auto response = status == core::head_status::malformed
                              ? core::http_response{400, "text/plain; charset=utf-8", "bad request\n"}
                              : route(req, routes_);
    (void)send_all(fd, core::serialise(response, req.method == "HEAD"), deadline);
}

}  // namespace echo::app
