// Readiness turned into completions: a readable socket is read into a pooled chunk
// and handed over as on_recv; a send is written at once and reported through a
// deferred queue, so handlers are never re-entered from inside their own calls.
#include "io/epoll/epoll_engine.hpp"

#include "core/chunk_pool.hpp"
#include "io/conn_table.hpp"
#include "io/datagram_batch.hpp"
#include "io/wakeup.hpp"
#include "net/setup_error.hpp"
#include "net/socket_options.hpp"
#include "net/unique_fd.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <vector>

namespace echo::io {

namespace {

constexpr std::uint64_t kEngineBit = std::uint64_t{1} << 63;
constexpr std::uint64_t kNotifyToken = ~std::uint64_t{0};
constexpr int kAcceptBurst = 64;
constexpr int kMaxEvents = 256;

// 24 bytes: one per connection, idle ones included. The token's low half is the
// slot index, so only its high half is kept.
struct conn_state {
    std::uint32_t token_high = 0;
    int fd = -1;
    const std::byte* send_data = nullptr;
    std::uint32_t send_len = 0;
    bool receiving : 1 = false;
    bool readable : 1 = false;     // edge seen and not yet read down to EAGAIN
    bool peer_closed : 1 = false;  // RDHUP/HUP/ERR seen: read on until EOF or error
    bool send_pending : 1 = false;
    bool carried : 1 = false;      // in carry_: its budget ran out with more to read

    [[nodiscard]] bool names(conn_token t) const noexcept {
        return fd >= 0 && token_high == static_cast<std::uint32_t>(t >> 32);
    }
};
static_assert(sizeof(conn_state) == 24);

struct deferred {
    enum class kind : std::uint8_t { send, closed, resume } what;
    conn_token token;
    int result;
};

class epoll_engine final : public engine {
public:
    explicit epoll_engine(const epoll_engine_options& options);

    std::string_view name() const noexcept override { return "epoll"; }
    void watch_listener(std::size_t index, int fd) override;
    void watch_datagrams(std::size_t index, int fd) override;
    [[nodiscard]] datagram_send_result send_datagrams(
        std::size_t index, std::span<const outgoing_datagram> out) noexcept override;
    void pause_listener(std::size_t index) override { listener_events(index, 0); }
    void resume_listener(std::size_t index) override { listener_events(index, EPOLLIN); }
    void unwatch_listener(std::size_t index) override;
    int attach(conn_token conn, int fd) noexcept override;
    void set_receiving(conn_token conn, bool on) noexcept override;
    void send(conn_token conn, std::span<const std::byte> bytes) noexcept override;
    void end_sending(conn_token conn) noexcept override;
    void close(conn_token conn) noexcept override;
    void abort(conn_token conn) noexcept override;
    bool is_open(conn_token conn) const noexcept override { return conns_.find(conn) != nullptr; }
    void wait(completion_handler& handler, std::chrono::milliseconds timeout) override;
    void notify() noexcept override { wake_.ring(); }
    const engine_counters& counters() const noexcept override { return counters_; }

private:
    void ctl(int op, int fd, std::uint32_t events, std::uint64_t data);
    void listener_events(std::size_t index, std::uint32_t events);
    void accept_burst(std::size_t index, completion_handler& handler);
    void on_conn_event(conn_token t, std::uint32_t events, completion_handler& handler);
    void pump_reads(conn_token t, completion_handler& handler);
    void serve_carried(std::vector<conn_token>& turn, completion_handler& handler);
    void try_send(conn_token t, conn_state& c) noexcept;
    void run_deferred(completion_handler& handler);

    core::chunk_pool pool_;
    net::unique_fd epoll_;
    wakeup wake_;
    std::vector<int> listeners_;  // listening and datagram sockets, by index
    std::vector<bool> datagram_;  // which of them are datagram sockets
    std::unique_ptr<datagram_batch> datagrams_;  // made with the first datagram socket
    conn_table<conn_state> conns_;
    std::vector<deferred> deferred_;
    std::vector<conn_token> carry_;  // served first next turn, each with a new budget
    bool running_deferred_ = false;
    engine_counters counters_;
};

epoll_engine::epoll_engine(const epoll_engine_options& options)
    : pool_(options.chunk_size, options.max_idle_chunks), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_) {
        throw net::setup_error("epoll_create1: " + net::errno_text(errno));
    }
    ctl(EPOLL_CTL_ADD, wake_.fd(), EPOLLIN, kNotifyToken);
    deferred_.reserve(64);
}

void epoll_engine::ctl(int op, int fd, std::uint32_t events, std::uint64_t data) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = data;
    if (::epoll_ctl(epoll_.get(), op, fd, &ev) != 0) {
        throw net::setup_error("epoll_ctl fd " + std::to_string(fd) + ": " +
                               net::errno_text(errno));
    }
}

void epoll_engine::watch_listener(std::size_t index, int fd) {
    if (listeners_.size() <= index) {
        listeners_.resize(index + 1, -1);
        datagram_.resize(index + 1, false);
    }
    listeners_[index] = fd;
    ctl(EPOLL_CTL_ADD, fd, EPOLLIN, kEngineBit | index);
}

void epoll_engine::watch_datagrams(std::size_t index, int fd) {
    if (!datagrams_) {
        datagrams_ = std::make_unique<datagram_batch>();
    }
    watch_listener(index, fd);
    datagram_[index] = true;
}

datagram_send_result epoll_engine::send_datagrams(std::size_t index,
                                             std::span<const outgoing_datagram> out) noexcept {
    return datagrams_->send(listeners_[index], out);
}

// Called from on_accept (pausing at EMFILE), so it must not throw: if the kernel
// cannot change the registration, the listener stays as it was and the worker's
// retry timer comes back to it.
void epoll_engine::listener_events(std::size_t index, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = kEngineBit | index;
    [[maybe_unused]] const int rc = ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, listeners_[index], &ev);
}

void epoll_engine::unwatch_listener(std::size_t index) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listeners_[index], nullptr);
    listeners_[index] = -1;
}

int epoll_engine::attach(conn_token conn, int fd) noexcept {
    conn_state* c = conns_.make_room(conn);
    if (c == nullptr) {
        counters_.add(engine_event::attach_failures);
        return -ENOMEM;
    }
    // Registered once for everything; edge-triggered so an unread socket does not
    // wake the loop again and a paused reader costs nothing.
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = conn;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
        counters_.add(engine_event::attach_failures);
        return -errno;
    }
    *c = conn_state{};
    c->token_high = static_cast<std::uint32_t>(conn >> 32);
    c->fd = fd;
    return 0;
}

void epoll_engine::set_receiving(conn_token conn, bool on) noexcept {
    conn_state* c = conns_.find(conn);
    if (c == nullptr || c->receiving == on) {
        return;
    }
    c->receiving = on;
    if (on && c->readable) {
        deferred_.push_back({deferred::kind::resume, conn, 0});
    }
}

void epoll_engine::send(conn_token conn, std::span<const std::byte> bytes) noexcept {
    conn_state* c = conns_.find(conn);
    if (c == nullptr) {
        return;
    }
    c->send_pending = true;
    c->send_data = bytes.data();
    c->send_len = static_cast<std::uint32_t>(bytes.size());  // a chunk at most
    try_send(conn, *c);
}

void epoll_engine::try_send(conn_token t, conn_state& c) noexcept {
    const ssize_t n = ::send(c.fd, c.send_data, c.send_len, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;  // EPOLLOUT will bring us back
    }
    c.send_pending = false;
    deferred_.push_back({deferred::kind::send, t, n < 0 ? -errno : static_cast<int>(n)});
}

void epoll_engine::close(conn_token conn) noexcept {
    conn_state* c = conns_.find(conn);
    if (c == nullptr) {
        return;
    }
    ::close(c->fd);  // also removes it from the epoll set: nobody else holds it
    *c = conn_state{};  // what is still queued for it finds nothing and is dropped
    deferred_.push_back({deferred::kind::closed, conn, 0});
}

void epoll_engine::end_sending(conn_token conn) noexcept {
    if (const conn_state* c = conns_.find(conn)) {
        ::shutdown(c->fd, SHUT_WR);  // best effort: a peer already gone is found by the read
    }
}

void epoll_engine::abort(conn_token conn) noexcept {
    if (const conn_state* c = conns_.find(conn)) {
        net::reset_on_close(c->fd);
    }
    close(conn);
}

void epoll_engine::wait(completion_handler& handler, std::chrono::milliseconds timeout) {
    // Work queued outside wait() (a close from a timer), or connections that still
    // have bytes to read, mean there is no sleeping this turn.
    if (!deferred_.empty()) {
        run_deferred(handler);
        timeout = std::chrono::milliseconds{0};
    }
    // Those whose budget ran out last turn are served after this turn's events;
    // whoever runs out now waits for the next turn: one budget per turn each.
    std::vector<conn_token> carried;
    carried.swap(carry_);
    if (!carried.empty()) {
        timeout = std::chrono::milliseconds{0};
    }
    // epoll_wait takes int milliseconds; a longer wait is simply cut short.
    const int ms = timeout.count() < 0 ? -1 : static_cast<int>(std::min<std::int64_t>(
                                                   timeout.count(), INT_MAX));
    std::array<epoll_event, kMaxEvents> events;
    const int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents, ms);
    if (n < 0 && errno != EINTR) {
        throw net::setup_error("epoll_wait: " + net::errno_text(errno));
    }
    for (int i = 0; i < n; ++i) {
        const std::uint64_t data = events[i].data.u64;
        if (data == kNotifyToken) {
            wake_.drain();
            handler.on_notify();
        } else if ((data & kEngineBit) != 0) {
            const auto index = static_cast<std::size_t>(data & ~kEngineBit);
            if (listeners_[index] < 0) {
                continue;  // unwatched earlier in this batch
            }
            if (datagram_[index]) {
                datagrams_->serve(listeners_[index], index, handler);
            } else {
                accept_burst(index, handler);
            }
        } else {
            on_conn_event(data, events[i].events, handler);
        }
        run_deferred(handler);
    }
    serve_carried(carried, handler);
    if (carry_.empty()) {
        carry_.swap(carried);  // keep the capacity: no allocation per turn
    }
}

void epoll_engine::serve_carried(std::vector<conn_token>& turn, completion_handler& handler) {
    for (const conn_token t : turn) {
        if (conn_state* c = conns_.find(t); c != nullptr && c->carried) {
            c->carried = false;
            pump_reads(t, handler);
        }
    }
    turn.clear();
}

void epoll_engine::accept_burst(std::size_t index, completion_handler& handler) {
    for (int i = 0; i < kAcceptBurst && listeners_[index] >= 0; ++i) {
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        const int fd = ::accept4(listeners_[index], reinterpret_cast<sockaddr*>(&peer), &len,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            handler.on_accept(index, fd, reinterpret_cast<sockaddr*>(&peer), len);
            run_deferred(handler);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;
        }
        if (errno != EAGAIN) {
            handler.on_accept(index, -errno, nullptr, 0);
        }
        return;
    }
}

void epoll_engine::on_conn_event(conn_token t, std::uint32_t events,
                                 completion_handler& handler) {
    conn_state* c = conns_.find(t);
    if (c == nullptr) {
        return;  // closed earlier in this batch
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        c->readable = true;
    }
    if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        c->peer_closed = true;
    }
    if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0 && c->send_pending) {
        try_send(t, *c);
        run_deferred(handler);
    }
    if (conns_.find(t) != nullptr && !c->carried) {  // a carried one reads in its slot
        pump_reads(t, handler);
    }
}

// Reads until the socket is drained, receiving is switched off, or this turn's
// budget is spent; then the connection waits in carry_ for the next turn.
void epoll_engine::pump_reads(conn_token t, completion_handler& handler) {
    std::size_t budget = kReadBudget;
    for (conn_state* c = conns_.find(t); c != nullptr && c->receiving && c->readable;
         c = conns_.find(t)) {
        if (budget == 0) {
            if (!c->carried) {
                c->carried = true;
                carry_.push_back(t);
                counters_.add(engine_event::budget_yields);
            }
            return;
        }
        core::chunk_ptr chunk = pool_.acquire();
        const ssize_t n = ::recv(c->fd, chunk->data, chunk->capacity, 0);
        const int err = n < 0 ? errno : 0;
        if (err == EINTR) {
            continue;
        }
        if (err == EAGAIN) {
            c->readable = false;
            return;
        }
        // A short read drained the socket: any later byte raises a new edge. Not so
        // for a FIN that came with the data: its edge is spent, so read on to EOF.
        const bool short_read = static_cast<std::size_t>(n) < chunk->capacity;
        if (n <= 0 || (short_read && !c->peer_closed)) {
            c->readable = false;
        }
        if (n > 0) {
            chunk->end = static_cast<std::uint32_t>(n);
            budget -= std::min(budget, static_cast<std::size_t>(n));
        } else {
            c->receiving = false;  // end of stream or error: nothing more to read
            chunk.reset();
        }
        handler.on_recv(t, n < 0 ? -err : static_cast<int>(n), std::move(chunk));
        run_deferred(handler);
    }
}

void epoll_engine::run_deferred(completion_handler& handler) {
    // A resumed reader calls back in here; the outer pass picks up what it queues,
    // so nothing is delivered twice.
    if (running_deferred_) {
        return;
    }
    running_deferred_ = true;
    // Handlers may queue more while we go; index, since push_back may reallocate.
    for (std::size_t i = 0; i < deferred_.size(); ++i) {
        const deferred d = deferred_[i];
        switch (d.what) {
            case deferred::kind::send:
                if (conns_.find(d.token) != nullptr) {  // closed since: not delivered
                    handler.on_send(d.token, d.result);
                }
                break;
            case deferred::kind::closed:
                handler.on_closed(d.token);
                break;
            case deferred::kind::resume:
                if (const conn_state* c = conns_.find(d.token); c != nullptr && !c->carried) {
                    pump_reads(d.token, handler);
                }
                break;
        }
    }
    deferred_.clear();
    running_deferred_ = false;
}

}  // namespace

std::unique_ptr<engine> make_epoll_engine(const epoll_engine_options& options) {
    return std::make_unique<epoll_engine>(options);
}

}  // namespace echo::io
