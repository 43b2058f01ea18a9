// Every hog is a non-blocking socket in one epoll set; a writable edge means
// "connected, or room again", and the hog sends until EAGAIN. Once full it stays
// as it is: the bytes the server echoes back pile up unread.
#include "loadgen/hog_pool.hpp"

#include "loadgen/clock.hpp"
#include "net/setup_error.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace echo::loadgen {

namespace {

// What a hog sends: the bytes do not matter, nobody checks them.
constexpr std::array<std::byte, 64 * 1024> kFiller{};
// A hog's send buffer is fixed, not left to autotuning (up to tcp_wmem's 4 MiB):
// 1000 autotuned hogs push TCP memory past tcp_mem's pressure mark, and then every
// socket on the machine suffers, not only the server under test.
constexpr int kHogSendBuffer = 256 * 1024;
// Its receive buffer is small, as a peer that never reads keeps its window shut:
// the server's echoes stall at once and the server has to hold what it read.
constexpr int kHogReceiveBuffer = 4 * 1024;

}  // namespace

hog_pool::hog_pool(const target_address& target, unsigned count)
    : target_(target), epoll_(::epoll_create1(EPOLL_CLOEXEC)), hogs_(count) {
    if (!epoll_) {
        throw net::setup_error("epoll_create1: " + net::errno_text(errno));
    }
    tally_.wanted = count;
}

void hog_pool::open_and_fill(std::int64_t deadline_ns) {
    std::size_t pending = 0;
    for (std::size_t i = 0; i < hogs_.size(); ++i) {
        hog& h = hogs_[i];
        h.fd.reset(::socket(target_.family, target_.type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!h.fd) {
            fail(h, "socket: " + net::errno_text(errno));
            continue;
        }
        ::setsockopt(h.fd.get(), SOL_SOCKET, SO_SNDBUF, &kHogSendBuffer, sizeof kHogSendBuffer);
        ::setsockopt(h.fd.get(), SOL_SOCKET, SO_RCVBUF, &kHogReceiveBuffer,
                     sizeof kHogReceiveBuffer);
        if (::connect(h.fd.get(), target_.address(), target_.length) != 0 &&
            errno != EINPROGRESS) {
            fail(h, "connect " + target_.text + ": " + net::errno_text(errno));
            continue;
        }
        // Registered after connect: a Unix connect is already done and reports
        // writable at once; a TCP one when the handshake ends (or fails).
        epoll_event ev{};
        ev.events = EPOLLOUT | EPOLLET;
        ev.data.u64 = i;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, h.fd.get(), &ev);
        ++pending;
    }
    std::array<epoll_event, 256> events;
    while (pending > 0) {
        const std::int64_t left = deadline_ns - now_ns();
        if (left <= 0) {
            break;
        }
        const timespec ts{static_cast<time_t>(left / 1'000'000'000),
                          static_cast<long>(left % 1'000'000'000)};
        const int n = ::epoll_pwait2(epoll_.get(), events.data(), events.size(), &ts, nullptr);
        for (int i = 0; i < n; ++i) {
            hog& h = hogs_[events[i].data.u64];
            if (h.fd && !h.full) {
                fill(h);
                pending -= h.full || !h.fd ? 1 : 0;
            }
        }
    }
    for (hog& h : hogs_) {
        if (h.fd && !h.full) {
            fail(h, "hog not connected and full by the deadline");
        }
    }
}

void hog_pool::fill(hog& h) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(h.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        fail(h, "connect " + target_.text + ": " + net::errno_text(err));
        return;
    }
    for (;;) {
        const ssize_t n = ::send(h.fd.get(), kFiller.data(), kFiller.size(), MSG_NOSIGNAL);
        if (n > 0) {
            tally_.bytes += static_cast<std::uint64_t>(n);
        } else if (n < 0 && errno == EAGAIN) {
            h.full = true;
            ++tally_.opened;
            ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, h.fd.get(), nullptr);
            return;
        } else if (n < 0 && errno != EINTR) {
            fail(h, "send on a hog: " + net::errno_text(errno));
            return;
        }
    }
}

void hog_pool::fail(hog& h, const std::string& what) {
    ++tally_.failed;
    if (tally_.first_error.empty()) {
        tally_.first_error = what;
    }
    h.fd.reset();
}

hog_tally hog_pool::close_all() {
    for (hog& h : hogs_) {
        if (!h.fd) {
            continue;
        }
        pollfd p{h.fd.get(), POLLRDHUP, 0};
        if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
            ++tally_.closed_by_server;
        }
        h.fd.reset();
    }
    return tally_;
}

}  // namespace echo::loadgen
