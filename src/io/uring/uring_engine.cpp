// Completions straight from the ring: each CQE names its operation and slot in
// user_data. A connection's slot is reused only after every operation on it has
// completed (inflight reaches zero), so a late CQE can never reach a newer
// connection. The ring is created on the loop's own thread at its first wait(), as
// SINGLE_ISSUER and DEFER_TASKRUN require.
//
// What one peer can hold of what the loop's connections share:
// - memory: a multishot receive may drain a whole socket buffer (megabytes) in one
//   run, whatever the connection holds already. So a connection receives one buffer
//   per request until it has shown small flowing traffic (kShortReads reads that
//   emptied the socket), and for good once it made the server stop reading (a
//   peer that does not read its echo). At most one multishot run, of what its
//   socket buffer held when it turned hostile, is ever held beyond --max-buffer;
// - provided buffers: while more than half the ring is lent, received bytes are
//   copied into the connection's own memory (bounded by --max-buffer) and the buffer
//   goes back at once, so peers that never read cannot pin the ring;
// - the loop's time: kReadBudget bytes per turn, then its receive is cancelled and
//   what already arrived waits in `held` until its next turn;
// - submission queue entries: when the queue is full the operation waits in
//   `waiting_` and is submitted next turn; nothing is dropped or thrown.
#include "io/uring/uring_engine.hpp"

#include "core/chunk_list.hpp"
#include "core/chunk_pool.hpp"
#include "io/conn_table.hpp"
#include "io/datagram_batch.hpp"
#include "io/uring/buffer_ring.hpp"
#include "io/wakeup.hpp"
#include "net/setup_error.hpp"
#include "net/socket_options.hpp"

#include <liburing.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace echo::io {

namespace {

enum class op : std::uint8_t {
    accept = 1, recv, send, recv_cancel, poll, notify, listener_cancel, close_cancel
};

constexpr std::uint64_t encode(op o, std::uint64_t index) noexcept {
    return (static_cast<std::uint64_t>(o) << 56) | index;
}
constexpr op op_of(std::uint64_t user_data) noexcept { return static_cast<op>(user_data >> 56); }
constexpr std::uint32_t index_of(std::uint64_t user_data) noexcept {
    return static_cast<std::uint32_t>(user_data);
}

constexpr unsigned kCqEntries = 4096;
constexpr unsigned kBatch = 256;
constexpr int kNoEnd = 1;  // conn_state::end when neither EOF nor an error is held
constexpr std::uint8_t kShortReads = 4;  // reads that drained the socket, then multishot

struct conn_state {
    conn_token token = 0;
    int fd = -1;
    std::uint32_t inflight = 0;  // SQEs whose last CQE has not come yet
    core::chunk_list held;       // received but not delivered: receiving off, or budget spent
    int end = kNoEnd;            // EOF (0) or -errno that arrived after `held`
    std::uint32_t turn_bytes = 0;
    std::uint16_t turn = 0;      // the turn turn_bytes counts for (a wrap after 65536
                                 // idle turns costs at most one turn's wait)
    std::uint8_t short_reads = 0;  // in a row, up to kShortReads
    bool receiving : 1 = false;
    bool recv_armed : 1 = false;   // a multishot receive is in the kernel
    bool cancel_sent : 1 = false;  // ... and its cancel is on the way
    bool starved : 1 = false;      // its receive found no buffer; re-armed when one is free
    bool carried : 1 = false;      // in carry_: has held bytes to deliver next turn
    bool closing : 1 = false;
    bool aborting : 1 = false;     // closing with a reset: never shut down (a FIN)
    bool held_back : 1 = false;    // the server once stopped reading it: one buffer a request
    bool ended : 1 = false;        // its EOF or error was delivered: never receives again

    [[nodiscard]] bool names(conn_token t) const noexcept { return fd >= 0 && token == t; }
};

struct listener_state {
    int fd = -1;
    bool datagram = false;
    bool armed = false;
    bool paused = false;
    bool backlogged = false;  // in backlog_: its last serve() stopped on the budget
};

// An operation that found the submission queue full, tried again next turn.
struct waiting_op {
    op what;
    std::uint32_t index;
    conn_token token;
    const std::byte* data;
    std::uint32_t len;
};

// `disabled`: created by one thread, enabled by the loop's thread, which then is the
// ring's single issuer.
int create_ring(io_uring& ring, unsigned entries, bool disabled) {
    // Newest flags first; each fallback drops what an older kernel lacks.
    const unsigned flag_sets[] = {
        IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN, IORING_SETUP_CQSIZE};
    int rc = -EINVAL;
    for (unsigned flags : flag_sets) {
        io_uring_params p{};
        p.flags = flags | (disabled ? IORING_SETUP_R_DISABLED : 0U);
        p.cq_entries = kCqEntries;
        rc = io_uring_queue_init_params(entries, &ring, &p);
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
    [[nodiscard]] datagram_send_result send_datagrams(
        std::size_t index, std::span<const outgoing_datagram> out) noexcept override;
    void pause_listener(std::size_t index) override;
    void resume_listener(std::size_t index) override;
    void unwatch_listener(std::size_t index) override;
    int attach(conn_token conn, int fd) noexcept override;
    void set_receiving(conn_token conn, bool on) noexcept override;
    void send(conn_token conn, std::span<const std::byte> bytes) noexcept override;
    void end_sending(conn_token conn) noexcept override;
    void close(conn_token conn) noexcept override;
    void abort(conn_token conn) noexcept override;
    bool is_open(conn_token conn) const noexcept override {
        const conn_state* c = conns_.find(conn);
        return c != nullptr && !c->closing;
    }
    void wait(completion_handler& handler, std::chrono::milliseconds timeout) override;
    void notify() noexcept override { wake_.ring(); }
    const engine_counters& counters() const noexcept override { return counters_; }

private:
    void start();
    io_uring_sqe* next_sqe() noexcept;
    void wait_for_sqe(op what, std::uint32_t index, conn_token token = 0,
                      std::span<const std::byte> bytes = {}) noexcept;
    void submit_waiting() noexcept;
    void arm_listener(std::size_t index) noexcept;
    void cancel_listener(std::size_t index) noexcept;
    void arm_notify() noexcept;
    void prep_send(std::uint32_t index, std::span<const std::byte> bytes) noexcept;
    void prep_close_cancel(std::uint32_t index) noexcept;
    [[nodiscard]] bool wants_kernel_recv(const conn_state& c) const noexcept;
    [[nodiscard]] bool has_budget(const conn_state& c) const noexcept;
    void sync_recv(std::uint32_t index) noexcept;
    void receive(std::uint32_t index, core::chunk_ptr chunk, completion_handler& h);
    void deliver_held(std::uint32_t index, completion_handler& h);
    void carry(std::uint32_t index) noexcept;
    void serve_carried(completion_handler& h);
    void rearm_starved() noexcept;
    void dispatch(const io_uring_cqe& cqe, completion_handler& h);
    void on_accept_cqe(std::uint32_t index, const io_uring_cqe& cqe, completion_handler& h);
    void on_recv_cqe(std::uint32_t index, const io_uring_cqe& cqe, completion_handler& h);
    void on_poll_cqe(std::uint32_t index, const io_uring_cqe& cqe, completion_handler& h);
    void serve_datagrams(std::uint32_t index, completion_handler& h);
    void serve_backlog(completion_handler& h);
    void on_cancel_cqe(std::uint32_t index, op what, int res) noexcept;
    void settle(std::uint32_t index) noexcept;
    void deliver_closed(completion_handler& h);

    uring_engine_options options_;
    io_uring ring_{};
    bool started_ = false;
    std::uint16_t turn_ = 0;
    std::unique_ptr<buffer_ring> buffers_;
    core::chunk_pool copies_;  // where received bytes go when the ring is under pressure
    std::unique_ptr<datagram_batch> datagrams_;
    conn_table<conn_state> conns_;
    std::vector<listener_state> listeners_;
    std::vector<conn_token> starved_;  // receivers that found no buffer, oldest first
    std::vector<conn_token> carry_;    // connections with held bytes to deliver
    std::vector<std::uint32_t> backlog_;  // datagram sockets with more queued than one serve()
    std::vector<conn_token> closed_;   // on_closed still to deliver
    std::vector<waiting_op> waiting_;  // found the submission queue full
    wakeup wake_;
    std::uint64_t wake_count_ = 0;
    engine_counters counters_;
};

uring_engine::uring_engine(const uring_engine_options& options)
    : options_(options), copies_(options.chunk_size, 16) {
    if (const int rc = create_ring(ring_, options.sq_entries, true); rc < 0) {
        throw net::setup_error("io_uring_queue_init: " + net::errno_text(-rc));
    }
}

uring_engine::~uring_engine() {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
        conn_state& c = conns_.at(static_cast<std::uint32_t>(i));
        c.held.clear();  // back to the ring before it goes
        if (c.fd >= 0) {
            ::close(c.fd);
        }
    }
    buffers_.reset();
    io_uring_queue_exit(&ring_);
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
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        if (listeners_[i].fd >= 0 && !listeners_[i].paused) {
            arm_listener(i);
        }
    }
    arm_notify();
}

// Null when the queue is still full after handing it to the kernel (a CQ overflow
// makes the kernel refuse); the caller then parks its operation in waiting_.
io_uring_sqe* uring_engine::next_sqe() noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
        counters_.add(engine_event::sq_full);
        io_uring_submit(&ring_);
        sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
}

void uring_engine::wait_for_sqe(op what, std::uint32_t index, conn_token token,
                                std::span<const std::byte> bytes) noexcept {
    waiting_.push_back({what, index, token, bytes.data(), static_cast<std::uint32_t>(bytes.size())});
}

// Each waiting operation is re-derived from the state it serves now: a connection
// closed meanwhile needs no send, a receive switched off needs no arming.
void uring_engine::submit_waiting() noexcept {
    std::vector<waiting_op> ops;
    ops.swap(waiting_);
    for (const waiting_op& w : ops) {
        switch (w.what) {
            case op::send:
                if (const conn_state* c = conns_.find(w.token); c != nullptr && !c->closing) {
                    prep_send(w.index, {w.data, w.len});
                }
                break;
            case op::recv:
                if (conns_.find(w.token) != nullptr) {
                    sync_recv(w.index);
                }
                break;
            case op::close_cancel:
                if (conns_.find(w.token) != nullptr) {
                    prep_close_cancel(w.index);
                }
                break;
            case op::accept:
            case op::poll:
                if (!listeners_[w.index].armed && listeners_[w.index].fd >= 0 &&
                    !listeners_[w.index].paused) {
                    arm_listener(w.index);
                }
                break;
            case op::listener_cancel:
                cancel_listener(w.index);
                break;
            case op::notify:
                arm_notify();
                break;
            case op::recv_cancel:
                break;
        }
    }
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

datagram_send_result uring_engine::send_datagrams(std::size_t index,
                                             std::span<const outgoing_datagram> out) noexcept {
    return datagrams_->send(listeners_[index].fd, out);
}

void uring_engine::arm_listener(std::size_t index) noexcept {
    listener_state& l = listeners_[index];
    const auto i = static_cast<std::uint32_t>(index);
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) {
        wait_for_sqe(l.datagram ? op::poll : op::accept, i);
        return;
    }
    if (l.datagram) {
        io_uring_prep_poll_multishot(sqe, l.fd, POLLIN);
        io_uring_sqe_set_data64(sqe, encode(op::poll, index));
    } else {
        io_uring_prep_multishot_accept(sqe, l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        io_uring_sqe_set_data64(sqe, encode(op::accept, index));
    }
    l.armed = true;
}

void uring_engine::cancel_listener(std::size_t index) noexcept {
    listener_state& l = listeners_[index];
    if (!l.armed || !started_) {
        return;
    }
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) {
        wait_for_sqe(op::listener_cancel, static_cast<std::uint32_t>(index));
        return;
    }
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
    // The accept in flight holds the socket open after the caller closes it: the
    // cancel goes now, for a loop with nothing to drain never waits again.
    io_uring_submit_and_get_events(&ring_);
}

int uring_engine::attach(conn_token conn, int fd) noexcept {
    conn_state* c = conns_.make_room(conn);
    if (c == nullptr) {
        counters_.add(engine_event::attach_failures);
        return -ENOMEM;
    }
    *c = conn_state{};
    c->token = conn;
    c->fd = fd;
    return 0;
}

bool uring_engine::has_budget(const conn_state& c) const noexcept {
    return c.turn != turn_ || c.turn_bytes < kReadBudget;
}

bool multishot(const conn_state& c) noexcept {
    return !c.held_back && c.short_reads >= kShortReads;
}

bool uring_engine::wants_kernel_recv(const conn_state& c) const noexcept {
    return c.receiving && !c.closing && !c.starved && c.held.empty() && c.end == kNoEnd &&
           has_budget(c);
}

// Brings the kernel's receive in line with what the connection wants. Two multishot
// receives on one socket could interleave their bytes, so a new one is armed only
// after the last one's final CQE.
void uring_engine::sync_recv(std::uint32_t index) noexcept {
    conn_state& c = conns_.at(index);
    const bool want = wants_kernel_recv(c);
    if (!want && c.receiving && !c.closing && !has_budget(c) && !c.carried) {
        counters_.add(engine_event::budget_yields);
        carry(index);  // its next turn re-arms it, even with nothing held
    }
    if (want == c.recv_armed || (!want && c.cancel_sent)) {
        return;
    }
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) {
        wait_for_sqe(op::recv, index, c.token);
        return;
    }
    if (want) {
        if (multishot(c)) {
            io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
        } else {
            io_uring_prep_recv(sqe, c.fd, nullptr, 0, 0);
        }
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = buffer_ring::kGroup;
        io_uring_sqe_set_data64(sqe, encode(op::recv, index));
        c.recv_armed = true;
    } else {
        io_uring_prep_cancel64(sqe, encode(op::recv, index), 0);
        io_uring_sqe_set_data64(sqe, encode(op::recv_cancel, index));
        c.cancel_sent = true;
    }
    ++c.inflight;
}

void uring_engine::set_receiving(conn_token conn, bool on) noexcept {
    conn_state* c = conns_.find(conn);
    // After the end was delivered a kernel receive would only report it again.
    if (c == nullptr || c->closing || c->ended || c->receiving == on) {
        return;
    }
    c->receiving = on;
    if (!on && !c->held_back) {
        c->held_back = true;
        counters_.add(engine_event::held_back);
    }
    const std::uint32_t i = token_index(conn);
    if (on && (!c->held.empty() || c->end != kNoEnd)) {
        carry(i);  // delivered from the next wait(): a handler is never re-entered
    }
    sync_recv(i);
}

void uring_engine::carry(std::uint32_t index) noexcept {
    conn_state& c = conns_.at(index);
    if (!c.carried) {
        c.carried = true;
        carry_.push_back(c.token);
    }
}

void uring_engine::prep_send(std::uint32_t index, std::span<const std::byte> bytes) noexcept {
    conn_state& c = conns_.at(index);
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) {
        wait_for_sqe(op::send, index, c.token, bytes);
        return;
    }
    io_uring_prep_send(sqe, c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, encode(op::send, index));
    ++c.inflight;
}

void uring_engine::send(conn_token conn, std::span<const std::byte> bytes) noexcept {
    if (is_open(conn)) {
        prep_send(token_index(conn), bytes);
    }
}

void uring_engine::prep_close_cancel(std::uint32_t index) noexcept {
    conn_state& c = conns_.at(index);
    if (c.inflight == 0) {
        return;
    }
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) {
        wait_for_sqe(op::close_cancel, index, c.token);
        return;
    }
    io_uring_prep_cancel_fd(sqe, c.fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, encode(op::close_cancel, index));
    ++c.inflight;
}

void uring_engine::close(conn_token conn) noexcept {
    conn_state* c = conns_.find(conn);
    if (c == nullptr || c->closing) {
        return;
    }
    c->closing = true;
    c->held.clear();  // its buffers go back to the ring now
    c->end = kNoEnd;
    const std::uint32_t i = token_index(conn);
    prep_close_cancel(i);
    settle(i);
}

// At once rather than as a queued operation: no send is in flight to overtake.
void uring_engine::end_sending(conn_token conn) noexcept {
    const conn_state* c = conns_.find(conn);
    if (c != nullptr && !c->closing) {
        ::shutdown(c->fd, SHUT_WR);  // best effort: a peer already gone is found by the read
    }
}

void uring_engine::abort(conn_token conn) noexcept {
    conn_state* c = conns_.find(conn);
    if (c == nullptr || c->closing) {
        return;
    }
    net::reset_on_close(c->fd);
    c->aborting = true;
    close(conn);
}

// Once a closing connection has nothing in flight, its socket closes and its slot
// may be reused.
void uring_engine::settle(std::uint32_t index) noexcept {
    conn_state& c = conns_.at(index);
    if (c.closing && c.inflight == 0 && c.fd >= 0) {
        ::close(c.fd);
        c.fd = -1;
        closed_.push_back(c.token);
    }
}

// Oldest first, as many as there are buffers to fill: one returned buffer does not
// wake a hundred receivers to find the ring empty again.
void uring_engine::rearm_starved() noexcept {
    std::size_t taken = 0;
    for (std::uint32_t room = buffers_->available(); taken < starved_.size() && room > 0;
         ++taken) {
        const conn_token t = starved_[taken];
        if (conn_state* c = conns_.find(t); c != nullptr && c->starved) {
            c->starved = false;
            sync_recv(token_index(t));
            --room;
        }
    }
    starved_.erase(starved_.begin(), starved_.begin() + static_cast<std::ptrdiff_t>(taken));
}

void uring_engine::arm_notify() noexcept {
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) {
        wait_for_sqe(op::notify, 0);
        return;
    }
    io_uring_prep_read(sqe, wake_.fd(), &wake_count_, sizeof wake_count_, 0);
    io_uring_sqe_set_data64(sqe, encode(op::notify, 0));
}

void uring_engine::wait(completion_handler& handler, std::chrono::milliseconds timeout) {
    if (!started_) {
        start();
    }
    ++turn_;
    // What is delivered here, before the sleep (a close() made from a timer, bytes
    // held from the last turn), ends this wait: its handler may have changed what
    // the caller's timeout was computed for, e.g. a drain that just finished.
    const bool delivers_now = !closed_.empty() || !carry_.empty() || !backlog_.empty();
    deliver_closed(handler);
    submit_waiting();
    rearm_starved();
    serve_carried(handler);
    serve_backlog(handler);
    if (delivers_now || !carry_.empty() || !closed_.empty() || !waiting_.empty() ||
        !backlog_.empty()) {
        timeout = std::chrono::milliseconds{0};
    }
    __kernel_timespec ts{timeout.count() / 1000, (timeout.count() % 1000) * 1'000'000};
    io_uring_cqe* first = nullptr;
    const int rc = io_uring_submit_and_wait_timeout(&ring_, &first, 1,
                                                    timeout.count() < 0 ? nullptr : &ts, nullptr);
    // -EBUSY: completions must be reaped before more can be submitted; done below.
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN) {
        throw net::setup_error("io_uring_enter: " + net::errno_text(-rc));
    }
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

void uring_engine::serve_carried(completion_handler& h) {
    std::vector<conn_token> turn;
    turn.swap(carry_);
    for (const conn_token t : turn) {
        if (conn_state* c = conns_.find(t); c != nullptr && c->carried) {
            c->carried = false;
            deliver_held(token_index(t), h);
        }
    }
}

// Held bytes go out first, within the budget; then a held EOF or error. What is
// left waits for the next turn, and the kernel receive resumes once nothing is held.
void uring_engine::deliver_held(std::uint32_t index, completion_handler& h) {
    conn_state& c = conns_.at(index);
    while (c.receiving && !c.closing && !c.held.empty() && has_budget(c)) {
        core::chunk_ptr chunk = c.held.pop_front();
        const auto n = static_cast<int>(chunk->size());
        if (c.turn != turn_) {
            c.turn = turn_;
            c.turn_bytes = 0;
        }
        c.turn_bytes += static_cast<std::uint32_t>(n);
        h.on_recv(c.token, n, std::move(chunk));
    }
    if (c.receiving && !c.closing && c.held.empty() && c.end != kNoEnd) {
        const int end = c.end;
        c.end = kNoEnd;
        c.receiving = false;  // end of stream or error: nothing more to read
        c.ended = true;
        h.on_recv(c.token, end, {});
    }
    if (c.closing) {
        return;
    }
    if (c.receiving && (!c.held.empty() || c.end != kNoEnd) && !c.carried) {
        counters_.add(engine_event::budget_yields);
        carry(index);
    }
    sync_recv(index);
}

void uring_engine::receive(std::uint32_t index, core::chunk_ptr chunk, completion_handler& h) {
    if (buffers_->under_pressure()) {
        core::chunk_ptr copy = copies_.acquire();
        std::memcpy(copy->data, chunk->data + chunk->begin, chunk->size());
        copy->end = static_cast<std::uint32_t>(chunk->size());
        chunk = std::move(copy);  // the ring buffer goes back here
        counters_.add(engine_event::buffers_copied);
    }
    conn_state& c = conns_.at(index);
    c.held.push_back(std::move(chunk));
    if (c.receiving && !c.carried) {
        deliver_held(index, h);
    } else {
        sync_recv(index);  // off or waiting its turn: stop the kernel filling `held`
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
            conn_state& c = conns_.at(index);
            --c.inflight;
            if (!c.closing) {
                h.on_send(c.token, cqe.res);
            }
            settle(index);
            break;
        }
        case op::recv_cancel:
        case op::close_cancel:
            on_cancel_cqe(index, op_of(cqe.user_data), cqe.res);
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

// A cancel that finds its receive running (-EALREADY) does not stop it: the
// multishot receive goes on filling buffers. So it is sent again next turn until
// the receive's final CQE comes, or for a closing connection the socket is shut
// down; otherwise a peer could stream into `held` for ever with receiving off, or
// keep a closed connection's socket open.
void uring_engine::on_cancel_cqe(std::uint32_t index, op what, int res) noexcept {
    conn_state& c = conns_.at(index);
    --c.inflight;
    if (res == -EALREADY && c.recv_armed) {
        if (what == op::close_cancel && c.closing) {
            // It is going away: end the receive from the socket's side (it sees end
            // of stream) rather than cancel again and again while it runs. An abort
            // shuts the read side only: SHUT_WR would send the FIN its reset replaces.
            ::shutdown(c.fd, c.aborting ? SHUT_RD : SHUT_RDWR);
        } else if (what == op::recv_cancel) {
            c.cancel_sent = false;
            wait_for_sqe(op::recv, index, c.token);  // next turn, not in a tight loop
        }
    }
    settle(index);
}

void uring_engine::on_accept_cqe(std::uint32_t index, const io_uring_cqe& cqe,
                                 completion_handler& h) {
    listener_state& l = listeners_[index];
    if ((cqe.flags & IORING_CQE_F_MORE) == 0) {
        l.armed = false;
    }
    if (cqe.res >= 0) {
        // Also after unwatch_listener: the kernel accepted it before the cancel, and
        // its client believes it is connected; the worker serves it through the drain.
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        if (::getpeername(cqe.res, reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
            len = 0;  // reset before we looked: the handler sees no address
            peer.ss_family = AF_UNSPEC;
        }
        h.on_accept(index, cqe.res, reinterpret_cast<sockaddr*>(&peer), len);
    } else if (cqe.res != -ECANCELED && cqe.res != -ECONNABORTED && cqe.res != -EINTR &&
               l.fd >= 0) {
        // -EMFILE and the like: the handler pauses us. A connection reset before
        // it was accepted is nobody's concern, as in the epoll engine.
        h.on_accept(index, cqe.res, nullptr, 0);
    }
    if (!l.armed && l.fd >= 0 && !l.paused) {
        arm_listener(index);
    }
}

void uring_engine::on_recv_cqe(std::uint32_t index, const io_uring_cqe& cqe,
                               completion_handler& h) {
    conn_state& c = conns_.at(index);
    if ((cqe.flags & IORING_CQE_F_MORE) == 0) {
        c.recv_armed = false;
        c.cancel_sent = false;
        --c.inflight;
    }
    if (cqe.res > 0 && (cqe.flags & IORING_CQE_F_BUFFER) != 0) {
        auto chunk = buffers_->take(static_cast<std::uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT),
                                    static_cast<std::uint32_t>(cqe.res));
        const bool drained = chunk->size() < chunk->capacity;
        c.short_reads = drained ? static_cast<std::uint8_t>(std::min<int>(c.short_reads + 1, kShortReads))
                                : std::uint8_t{0};
        if (!c.closing) {
            receive(index, std::move(chunk), h);  // else the chunk goes back now
        }
    } else if (cqe.res == -ENOBUFS) {
        counters_.add(engine_event::buffer_waits);
        buffers_->provide_more();
        if (!c.closing && !c.starved) {
            c.starved = true;
            starved_.push_back(c.token);
        }
    } else if (cqe.res <= 0 && cqe.res != -ECANCELED && !c.closing) {
        c.end = cqe.res;
        if (c.receiving && !c.carried) {
            deliver_held(index, h);
        }
    }
    if (!conns_.at(index).closing) {
        sync_recv(index);  // a multishot receive may also end on its own (CQ pressure)
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
        serve_datagrams(index, h);
    }
    if (!l.armed && l.fd >= 0) {
        arm_listener(index);
    }
}

// The multishot poll fires on new arrivals only: a queue the budget left behind is
// served again next turn, or it would wait for the next datagram to come (a burst
// of thousands would leave all but the first serve() unanswered until then).
void uring_engine::serve_datagrams(std::uint32_t index, completion_handler& h) {
    listener_state& l = listeners_[index];
    if (datagrams_->serve(l.fd, index, h) && !l.backlogged) {
        l.backlogged = true;
        backlog_.push_back(index);
    }
}

void uring_engine::serve_backlog(completion_handler& h) {
    std::vector<std::uint32_t> turn;
    turn.swap(backlog_);
    for (const auto index : turn) {
        listener_state& l = listeners_[index];
        l.backlogged = false;
        if (l.fd >= 0) {
            serve_datagrams(index, h);
        }
    }
}

}  // namespace

std::optional<std::string> uring_unavailable() {
    if (const char* forced = std::getenv("ECHO_SERVER_DISABLE_IO_URING"); forced && *forced) {
        return std::string{forced};
    }
    io_uring ring{};
    const int rc = create_ring(ring, 8, false);
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
