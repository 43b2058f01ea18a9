// Readiness turned into completions: a readable socket is read into a pooled chunk
// and handed over as on_recv; a send is written at once and reported through a
// deferred queue, so handlers are never re-entered from inside their own calls.
#include "io/epoll/epoll_engine.hpp"

#include "io/epoll/datagram_batch.hpp"

#include "core/chunk_pool.hpp"
#include "core/paged_array.hpp"
#include "net/setup_error.hpp"
#include "net/unique_fd.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
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
    bool receiving = false;
    bool readable = false;     // edge seen and not yet read down to EAGAIN
    bool peer_closed = false;  // RDHUP/HUP/ERR seen: read on until EOF or error
    bool send_pending = false;
};
static_assert(sizeof(conn_state) == 24);

constexpr std::uint32_t token_high(conn_token t) noexcept {
    return static_cast<std::uint32_t>(t >> 32);
}

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
    void pause_listener(std::size_t index) override { listener_events(index, 0); }
    void resume_listener(std::size_t index) override { listener_events(index, EPOLLIN); }
    void unwatch_listener(std::size_t index) override;
    void attach(conn_token conn, int fd) override;
    void set_receiving(conn_token conn, bool on) override;
    void send(conn_token conn, std::span<const std::byte> bytes) override;
    void close(conn_token conn) override;
    void wait(completion_handler& handler, std::chrono::milliseconds timeout) override;
    void notify() noexcept override;

private:
    conn_state* find(conn_token t) noexcept;
    void ctl(int op, int fd, std::uint32_t events, std::uint64_t data);
    void listener_events(std::size_t index, std::uint32_t events);
    void accept_burst(std::size_t index, completion_handler& handler);
    void on_conn_event(conn_token t, std::uint32_t events, completion_handler& handler);
    void pump_reads(conn_token t, completion_handler& handler);
    void try_send(conn_token t, conn_state& c);
    void run_deferred(completion_handler& handler);

    core::chunk_pool pool_;
    net::unique_fd epoll_;
    net::unique_fd wake_;
    std::vector<int> listeners_;  // listening and datagram sockets, by index
    std::vector<bool> datagram_;  // which of them are datagram sockets
    std::unique_ptr<datagram_batch> datagrams_;  // made with the first datagram socket
    core::paged_array<conn_state> conns_;
    std::vector<deferred> deferred_;
    bool running_deferred_ = false;
};

epoll_engine::epoll_engine(const epoll_engine_options& options)
    : pool_(options.chunk_size, options.max_idle_chunks),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!epoll_ || !wake_) {
        throw net::setup_error("epoll engine: " + net::errno_text(errno));
    }
    ctl(EPOLL_CTL_ADD, wake_.get(), EPOLLIN, kNotifyToken);
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

conn_state* epoll_engine::find(conn_token t) noexcept {
    const std::uint32_t i = token_index(t);
    if (i >= conns_.size() || conns_[i].token_high != token_high(t) || conns_[i].fd < 0) {
        return nullptr;
    }
    return &conns_[i];
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

void epoll_engine::listener_events(std::size_t index, std::uint32_t events) {
    ctl(EPOLL_CTL_MOD, listeners_[index], events, kEngineBit | index);
}

void epoll_engine::unwatch_listener(std::size_t index) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listeners_[index], nullptr);
    listeners_[index] = -1;
}

void epoll_engine::attach(conn_token conn, int fd) {
    const std::uint32_t i = token_index(conn);
    conns_.grow_to(i + 1);
    conns_[i] = conn_state{token_high(conn), fd};
    // Registered once for everything; edge-triggered so an unread socket does not
    // wake the loop again and a paused reader costs nothing.
    ctl(EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, conn);
}

void epoll_engine::set_receiving(conn_token conn, bool on) {
    conn_state* c = find(conn);
    if (c == nullptr || c->receiving == on) {
        return;
    }
    c->receiving = on;
    if (on && c->readable) {
        deferred_.push_back({deferred::kind::resume, conn, 0});
    }
}

void epoll_engine::send(conn_token conn, std::span<const std::byte> bytes) {
    conn_state* c = find(conn);
    if (c == nullptr) {
        return;
    }
    c->send_pending = true;
    c->send_data = bytes.data();
    c->send_len = static_cast<std::uint32_t>(bytes.size());  // a chunk at most
    try_send(conn, *c);
}

void epoll_engine::try_send(conn_token t, conn_state& c) {
    const ssize_t n = ::send(c.fd, c.send_data, c.send_len, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;  // EPOLLOUT will bring us back
    }
    c.send_pending = false;
    deferred_.push_back({deferred::kind::send, t, n < 0 ? -errno : static_cast<int>(n)});
}

void epoll_engine::close(conn_token conn) {
    conn_state* c = find(conn);
    if (c == nullptr) {
        return;
    }
    ::close(c->fd);  // also removes it from the epoll set: nobody else holds it
    *c = conn_state{};
    deferred_.push_back({deferred::kind::closed, conn, 0});
}

void epoll_engine::notify() noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

void epoll_engine::wait(completion_handler& handler, std::chrono::milliseconds timeout) {
    // Work queued outside wait() (a close from a timer) completes before we sleep.
    if (!deferred_.empty()) {
        run_deferred(handler);
        timeout = std::chrono::milliseconds{0};
    }
    std::array<epoll_event, kMaxEvents> events;
    const int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents,
                               static_cast<int>(timeout.count()));
    for (int i = 0; i < n; ++i) {
        const std::uint64_t data = events[i].data.u64;
        if (data == kNotifyToken) {
            std::uint64_t count;
            [[maybe_unused]] ssize_t r = ::read(wake_.get(), &count, sizeof count);
            handler.on_notify();
        } else if ((data & kEngineBit) != 0) {
            const auto index = static_cast<std::size_t>(data & ~kEngineBit);
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
    conn_state* c = find(t);
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
    pump_reads(t, handler);
}

void epoll_engine::pump_reads(conn_token t, completion_handler& handler) {
    for (conn_state* c = find(t); c != nullptr && c->receiving && c->readable; c = find(t)) {
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
                handler.on_send(d.token, d.result);
                break;
            case deferred::kind::closed:
                handler.on_closed(d.token);
                break;
            case deferred::kind::resume:
                pump_reads(d.token, handler);
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
