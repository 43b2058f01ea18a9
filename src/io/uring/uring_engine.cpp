// Completions straight from the ring: each CQE names its operation and slot in
// user_data. A connection's slot is reused only after every operation on it has
// completed (inflight reaches zero), so a late CQE can never reach a newer
// connection. The ring is created on the loop's own thread at its first wait(), as
// SINGLE_ISSUER and DEFER_TASKRUN require.
#include "io/uring/uring_engine.hpp"

#include "core/paged_array.hpp"
#include "io/epoll/datagram_batch.hpp"
#include "io/uring/buffer_ring.hpp"
#include "net/setup_error.hpp"
#include "net/unique_fd.hpp"

#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <vector>

namespace echo::io {

namespace {

enum class op : std::uint8_t { accept = 1, recv, send, cancel, poll, notify, listener_cancel };

constexpr std::uint64_t encode(op o, std::uint64_t index) noexcept {
    return (static_cast<std::uint64_t>(o) << 56) | index;
}
constexpr op op_of(std::uint64_t user_data) noexcept { return static_cast<op>(user_data >> 56); }
constexpr std::uint32_t index_of(std::uint64_t user_data) noexcept {
    return static_cast<std::uint32_t>(user_data);
}

constexpr unsigned kEntries = 1024;
constexpr unsigned kCqEntries = 4096;
constexpr unsigned kBatch = 256;

struct conn_state {
    conn_token token = 0;
    int fd = -1;
    std::uint32_t inflight = 0;  // SQEs whose last CQE has not come yet
    bool receiving = false;
    bool recv_armed = false;
    bool closing = false;
};

struct listener_state {
    int fd = -1;
    bool datagram = false;
    bool armed = false;
    bool paused = false;
};

// `disabled`: created by one thread, enabled by the loop's thread, which then is the
// ring's single issuer.
int create_ring(io_uring& ring, bool disabled) {
    // Newest flags first; each fallback drops what an older kernel lacks.
    const unsigned flag_sets[] = {
        IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN, IORING_SETUP_CQSIZE};
    int rc = -EINVAL;
    for (unsigned flags : flag_sets) {
        io_uring_params p{};
        p.flags = flags | (disabled ? IORING_SETUP_R_DISABLED : 0U);
        p.cq_entries = kCqEntries;
        rc = io_uring_queue_init_params(kEntries, &ring, &p);
        if (rc != -EINVAL) {
            return rc;
        }
    }
    return rc;
}

class uring_engine final : public engine {
public:
    explicit uring_engine(const uring_engine_options& options);
    ~uring_engine() override;

    std::string_view name() const noexcept override { return "io_uring"; }
    void watch_listener(std::size_t index, int fd) override;
    void watch_datagrams(std::size_t index, int fd) override;
    void pause_listener(std::size_t index) override;
    void resume_listener(std::size_t index) override;
    void unwatch_listener(std::size_t index) override;
    void attach(conn_token conn, int fd) override;
    void set_receiving(conn_token conn, bool on) override;
    void send(conn_token conn, std::span<const std::byte> bytes) override;
    void close(conn_token conn) override;
    void wait(completion_handler& handler, std::chrono::milliseconds timeout) override;
    void notify() noexcept override;

private:
    void start();
    io_uring_sqe* next_sqe();
    conn_state* find(conn_token t) noexcept;
    void arm_listener(std::size_t index);
    void cancel_listener(std::size_t index);
    void arm_recv(std::uint32_t index);
    void arm_notify();
    void dispatch(const io_uring_cqe& cqe, completion_handler& h);
    void on_accept_cqe(std::uint32_t index, const io_uring_cqe& cqe, completion_handler& h);
    void on_recv_cqe(std::uint32_t index, const io_uring_cqe& cqe, completion_handler& h);
    void on_poll_cqe(std::uint32_t index, const io_uring_cqe& cqe, completion_handler& h);
    void settle(std::uint32_t index);
    void deliver_closed(completion_handler& h);
    void rearm_starved();

    uring_engine_options options_;
    io_uring ring_{};
    bool started_ = false;
    std::unique_ptr<buffer_ring> buffers_;
    std::unique_ptr<datagram_batch> datagrams_;
    core::paged_array<conn_state> conns_;
    std::vector<listener_state> listeners_;
    std::vector<conn_token> starved_;  // receivers that found no buffer
    std::vector<conn_token> closed_;   // on_closed still to deliver
    net::unique_fd wake_;
    std::uint64_t wake_count_ = 0;
};

uring_engine::uring_engine(const uring_engine_options& options)
    : options_(options), wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!wake_) {
        throw net::setup_error("eventfd: " + net::errno_text(errno));
    }
    if (const int rc = create_ring(ring_, true); rc < 0) {
        throw net::setup_error("io_uring_queue_init: " + net::errno_text(-rc));
    }
}

uring_engine::~uring_engine() {
    buffers_.reset();
    io_uring_queue_exit(&ring_);
    for (std::size_t i = 0; i < conns_.size(); ++i) {
        if (conns_[i].fd >= 0) {
            ::close(conns_[i].fd);
        }
    }
}

void uring_engine::start() {
    // Debian's liburing 2.3 declares io_uring_enable_rings() but does not export it.
    if (::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr,
                  0) < 0) {
        throw net::setup_error("io_uring_register(ENABLE_RINGS): " + net::errno_text(errno));
    }
    started_ = true;
    buffers_ = std::make_unique<buffer_ring>(ring_, options_.buffers, options_.chunk_size,
                                             options_.initial_buffers);
    buffers_->on_returned = [this] { rearm_starved(); };
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        if (listeners_[i].fd >= 0 && !listeners_[i].paused) {
            arm_listener(i);
        }
    }
    arm_notify();
}

io_uring_sqe* uring_engine::next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {  // the submission queue is full: hand it over, then retry
        io_uring_submit(&ring_);
        sqe = io_uring_get_sqe(&ring_);
    }
    if (sqe == nullptr) {
        throw net::setup_error("io_uring: no submission queue entry after submitting");
    }
    return sqe;
}

conn_state* uring_engine::find(conn_token t) noexcept {
    const std::uint32_t i = token_index(t);
    if (i >= conns_.size() || conns_[i].token != t || conns_[i].fd < 0) {
        return nullptr;
    }
    return &conns_[i];
}

void uring_engine::watch_listener(std::size_t index, int fd) {
    if (listeners_.size() <= index) {
        listeners_.resize(index + 1);
    }
    listeners_[index] = listener_state{fd, false, false, false};
    if (started_) {
        arm_listener(index);
    }
}

void uring_engine::watch_datagrams(std::size_t index, int fd) {
    // io_uring has nothing better than recvmmsg/sendmmsg for small datagrams: a
    // multishot poll says when to run the same batch code the epoll engine uses.
    if (!datagrams_) {
        datagrams_ = std::make_unique<datagram_batch>();
    }
    watch_listener(index, fd);
    listeners_[index].datagram = true;
}

void uring_engine::arm_listener(std::size_t index) {
    listener_state& l = listeners_[index];
    io_uring_sqe* sqe = next_sqe();
    if (l.datagram) {
        io_uring_prep_poll_multishot(sqe, l.fd, POLLIN);
        io_uring_sqe_set_data64(sqe, encode(op::poll, index));
    } else {
        io_uring_prep_multishot_accept(sqe, l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        io_uring_sqe_set_data64(sqe, encode(op::accept, index));
    }
    l.armed = true;
}

void uring_engine::cancel_listener(std::size_t index) {
    listener_state& l = listeners_[index];
    if (!l.armed || !started_) {
        return;
    }
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel64(sqe, encode(l.datagram ? op::poll : op::accept, index), 0);
    io_uring_sqe_set_data64(sqe, encode(op::listener_cancel, index));
}

void uring_engine::pause_listener(std::size_t index) {
    listeners_[index].paused = true;
    cancel_listener(index);
}

void uring_engine::resume_listener(std::size_t index) {
    listener_state& l = listeners_[index];
    l.paused = false;
    if (!l.armed && l.fd >= 0 && started_) {
        arm_listener(index);
    }
}

void uring_engine::unwatch_listener(std::size_t index) {
    cancel_listener(index);
    listeners_[index].fd = -1;
}

void uring_engine::attach(conn_token conn, int fd) {
    const std::uint32_t i = token_index(conn);
    conns_.grow_to(i + 1);
    conns_[i] = conn_state{conn, fd, 0, false, false, false};
}

void uring_engine::arm_recv(std::uint32_t index) {
    conn_state& c = conns_[index];
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = buffer_ring::kGroup;
    io_uring_sqe_set_data64(sqe, encode(op::recv, index));
    c.recv_armed = true;
    ++c.inflight;
}

void uring_engine::set_receiving(conn_token conn, bool on) {
    conn_state* c = find(conn);
    if (c == nullptr || c->closing) {
        return;
    }
    c->receiving = on;
    const std::uint32_t i = token_index(conn);
    if (on && !c->recv_armed) {
        arm_recv(i);
    } else if (!on && c->recv_armed) {
        // Data already in flight may still arrive; the handler takes it.
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_cancel64(sqe, encode(op::recv, i), 0);
        io_uring_sqe_set_data64(sqe, encode(op::cancel, i));
        ++c->inflight;
    }
}

void uring_engine::send(conn_token conn, std::span<const std::byte> bytes) {
    conn_state* c = find(conn);
    if (c == nullptr) {
        return;
    }
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_send(sqe, c->fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, encode(op::send, token_index(conn)));
    ++c->inflight;
}

void uring_engine::close(conn_token conn) {
    conn_state* c = find(conn);
    if (c == nullptr || c->closing) {
        return;
    }
    c->closing = true;
    const std::uint32_t i = token_index(conn);
    if (c->inflight > 0) {
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_cancel_fd(sqe, c->fd, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(sqe, encode(op::cancel, i));
        ++c->inflight;
    }
    settle(i);
}

// Once a closing connection has nothing in flight, its socket closes and its slot
// may be reused.
void uring_engine::settle(std::uint32_t index) {
    conn_state& c = conns_[index];
    if (c.closing && c.inflight == 0 && c.fd >= 0) {
        ::close(c.fd);
        c.fd = -1;
        closed_.push_back(c.token);
    }
}

void uring_engine::rearm_starved() {
    while (!starved_.empty()) {
        const conn_token t = starved_.back();
        starved_.pop_back();
        conn_state* c = find(t);
        if (c != nullptr && c->receiving && !c->recv_armed && !c->closing) {
            arm_recv(token_index(t));
            return;  // one buffer came back: one receiver re-armed
        }
    }
}

void uring_engine::arm_notify() {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_read(sqe, wake_.get(), &wake_count_, sizeof wake_count_, 0);
    io_uring_sqe_set_data64(sqe, encode(op::notify, 0));
}

void uring_engine::notify() noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

void uring_engine::wait(completion_handler& handler, std::chrono::milliseconds timeout) {
    if (!started_) {
        start();
    }
    deliver_closed(handler);
    __kernel_timespec ts{timeout.count() / 1000, (timeout.count() % 1000) * 1'000'000};
    io_uring_cqe* first = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &first, 1, timeout.count() < 0 ? nullptr : &ts,
                                     nullptr);
    std::array<io_uring_cqe*, kBatch> batch;
    std::array<io_uring_cqe, kBatch> copies;
    for (unsigned n; (n = io_uring_peek_batch_cqe(&ring_, batch.data(), kBatch)) > 0;) {
        for (unsigned i = 0; i < n; ++i) {
            copies[i] = *batch[i];
        }
        io_uring_cq_advance(&ring_, n);  // copied: handlers may submit and reap freely
        for (unsigned i = 0; i < n; ++i) {
            dispatch(copies[i], handler);
        }
    }
    deliver_closed(handler);
}

void uring_engine::deliver_closed(completion_handler& h) {
    while (!closed_.empty()) {
        std::vector<conn_token> done;
        done.swap(closed_);
        for (conn_token t : done) {
            h.on_closed(t);
        }
    }
}

void uring_engine::dispatch(const io_uring_cqe& cqe, completion_handler& h) {
    const std::uint32_t index = index_of(cqe.user_data);
    switch (op_of(cqe.user_data)) {
        case op::accept:
            on_accept_cqe(index, cqe, h);
            break;
        case op::recv:
            on_recv_cqe(index, cqe, h);
            break;
        case op::send: {
            conn_state& c = conns_[index];
            --c.inflight;
            if (!c.closing) {
                h.on_send(c.token, cqe.res);
            }
            settle(index);
            break;
        }
        case op::cancel:
            --conns_[index].inflight;
            settle(index);
            break;
        case op::poll:
            on_poll_cqe(index, cqe, h);
            break;
        case op::notify:
            h.on_notify();
            arm_notify();
            break;
        case op::listener_cancel:
            break;
    }
}

void uring_engine::on_accept_cqe(std::uint32_t index, const io_uring_cqe& cqe,
                                 completion_handler& h) {
    listener_state& l = listeners_[index];
    if ((cqe.flags & IORING_CQE_F_MORE) == 0) {
        l.armed = false;
    }
    if (cqe.res >= 0) {
        if (l.fd < 0) {
            ::close(cqe.res);  // accepted as the listener went away
        } else {
            sockaddr_storage peer{};
            socklen_t len = sizeof peer;
            ::getpeername(cqe.res, reinterpret_cast<sockaddr*>(&peer), &len);
            h.on_accept(index, cqe.res, reinterpret_cast<sockaddr*>(&peer), len);
        }
    } else if (cqe.res != -ECANCELED && l.fd >= 0) {
        h.on_accept(index, cqe.res, nullptr, 0);  // -EMFILE: the handler pauses us
    }
    if (!l.armed && l.fd >= 0 && !l.paused) {
        arm_listener(index);
    }
}

void uring_engine::on_recv_cqe(std::uint32_t index, const io_uring_cqe& cqe,
                               completion_handler& h) {
    conn_state& c = conns_[index];
    const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
    if (!more) {
        c.recv_armed = false;
        --c.inflight;
    }
    if (cqe.res > 0 && (cqe.flags & IORING_CQE_F_BUFFER) != 0) {
        auto chunk = buffers_->take(static_cast<std::uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT),
                                    static_cast<std::uint32_t>(cqe.res));
        if (!c.closing) {
            h.on_recv(c.token, cqe.res, std::move(chunk));  // else the chunk goes back now
        }
    } else if (cqe.res == -ENOBUFS) {
        starved_.push_back(c.token);  // re-armed when a buffer comes back
    } else if (cqe.res <= 0 && cqe.res != -ECANCELED && !c.closing) {
        c.receiving = false;  // end of stream or error: nothing more to read
        h.on_recv(c.token, cqe.res, {});
    }
    // A multishot receive may end on its own (CQ pressure), or a cancel may land
    // after receiving was switched back on; either way keep it going.
    if (!more && (cqe.res > 0 || cqe.res == -ECANCELED) && c.receiving && !c.recv_armed &&
        !c.closing) {
        arm_recv(index);
    }
    settle(index);
}

void uring_engine::on_poll_cqe(std::uint32_t index, const io_uring_cqe& cqe,
                               completion_handler& h) {
    listener_state& l = listeners_[index];
    if ((cqe.flags & IORING_CQE_F_MORE) == 0) {
        l.armed = false;
    }
    if (l.fd >= 0 && cqe.res > 0) {
        datagrams_->serve(l.fd, index, h);
    }
    if (!l.armed && l.fd >= 0) {
        arm_listener(index);
    }
}

}  // namespace

std::optional<std::string> uring_unavailable() {
    if (const char* forced = std::getenv("ECHO_SERVER_DISABLE_IO_URING"); forced && *forced) {
        return std::string{forced};
    }
    io_uring ring{};
    const int rc = create_ring(ring, false);
    if (rc < 0) {
        return "io_uring_queue_init: " + net::errno_text(-rc) +
               (rc == -EPERM ? " (kernel.io_uring_disabled, or a seccomp filter)" : "");
    }
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    const bool ok = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_RECV) &&
                    io_uring_opcode_supported(probe, IORING_OP_ACCEPT) &&
                    io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL);
    io_uring_free_probe(probe);
    io_uring_queue_exit(&ring);
    if (!ok) {
        return "this kernel's io_uring lacks accept, recv or cancel";
    }
    return std::nullopt;
}

std::unique_ptr<engine> make_uring_engine(const uring_engine_options& options) {
    return std::make_unique<uring_engine>(options);
}

}  // namespace echo::io
