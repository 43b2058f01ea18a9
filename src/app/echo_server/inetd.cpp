// Blocking reads and writes are right here: one process serves one client, so there
// is no loop to stall. The idle timeout, lifetime and byte cap still apply.
#include "app/echo_server/inetd.hpp"

#include "net/setup_error.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <chrono>

namespace echo::app {

namespace {

using clock = std::chrono::steady_clock;

bool write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// Milliseconds until the nearer of the idle and lifetime limits; -1 if neither is set.
int poll_timeout(const core::connection_limits& limits, clock::time_point started) {
    const auto now = clock::now();
    std::optional<clock::duration> left;
    if (limits.idle_timeout.count() > 0) {
        left = std::chrono::duration_cast<clock::duration>(limits.idle_timeout);
    }
    if (limits.max_lifetime.count() > 0) {
        const auto life = started + std::chrono::duration_cast<clock::duration>(limits.max_lifetime) - now;
        left = left ? std::min(*left, life) : life;
    }
    if (!left) {
        return -1;
    }
    // poll() takes int milliseconds: 2^32 ms narrowed to 0 made it return at once,
    // for ever. A longer wait is cut to INT_MAX and simply taken again.
    return static_cast<int>(std::clamp<long long>(
        std::chrono::ceil<std::chrono::milliseconds>(*left).count(), 0, INT_MAX));
}

}  // namespace

int run_inetd(const core::server_config& config) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(STDIN_FILENO, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 &&
        listening != 0) {
        throw net::setup_error(
            "--inetd: stdin is a listening socket; let the superserver accept (inetd 'nowait', "
            "systemd Accept=yes) or drop --inetd to use socket activation");
    }
    const auto started = clock::now();
    const auto& limits = config.limits;
    std::uint64_t total = 0;
    char buf[65536];
    while (true) {
        pollfd p{STDIN_FILENO, POLLIN, 0};
        const int ready = ::poll(&p, 1, poll_timeout(limits, started));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready == 0) {
            spdlog::info("inetd: closing ({})", "idle timeout or max lifetime");
            return 0;
        }
        const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            // Pass the end on, so a half-closing client sees EOF after its echo.
            ::shutdown(STDOUT_FILENO, SHUT_WR);
            return n == 0 || errno == ECONNRESET ? 0 : 1;
        }
        total += static_cast<std::uint64_t>(n);
        if (limits.max_connection_bytes > 0 && total > limits.max_connection_bytes) {
            spdlog::info("inetd: closing (max connection bytes)");
            return 0;
        }
        if (!write_all(STDOUT_FILENO, buf, static_cast<std::size_t>(n))) {
            return errno == EPIPE || errno == ECONNRESET ? 0 : 1;
        }
    }
}

}  // namespace echo::app
