// The echo service over any engine: accept, receive into the stream, send what it
// says, pause receiving at the bound, close when done. One thread, no locks.
#include "server/worker.hpp"

#include "net/datagram_source.hpp"
#include "net/setup_error.hpp"
#include "net/unix_listener.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>

#include <cerrno>

namespace echo::server {

namespace {

constexpr auto kAcceptRetry = std::chrono::milliseconds{100};

core::slot_id to_slot(io::conn_token t) noexcept { return core::slot_id::unpack(t); }

const char* close_reason(int err) {
    switch (err) {
        case ECONNRESET:
            return "reset by peer";
        case EPIPE:
            return "peer stopped reading";
        case ETIMEDOUT:
            return "timed out";
        default:
            return "socket error";
    }
}

}  // namespace

worker::worker(std::unique_ptr<io::engine> engine, std::vector<worker_socket> sockets,
               const worker_options& options)
    : engine_(std::move(engine)),
      sockets_(std::move(sockets)),
      options_(options),
      guard_(options.udp),
      datagram_counts_(sockets_.size()) {
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
        if (sockets_[i].kind == core::transport::udp) {
            engine_->watch_datagrams(i, sockets_[i].fd.get());
        } else {
            engine_->watch_listener(i, sockets_[i].fd.get());
        }
    }
}

void worker::request_stop() noexcept {
    stop_requested_.store(true, std::memory_order_release);
    engine_->notify();
}

void worker::run() {
    // The loop's phases: wait for completions (handled as they are delivered),
    // then timers, then check whether a drain has finished.
    while (!(draining_ && conns_.size() == 0)) {
        engine_->wait(*this, next_timeout(clock::now()));
        run_timers(clock::now());
    }
}

std::chrono::milliseconds worker::next_timeout(clock::time_point now) const {
    std::optional<clock::time_point> next = accept_retry_at_;
    if (drain_deadline_ && (!next || *drain_deadline_ < *next)) {
        next = drain_deadline_;
    }
    if (!next) {
        return std::chrono::milliseconds{-1};
    }
    // Round up so we do not wake a hair early and spin until the deadline.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - now);
    return std::max(left, std::chrono::milliseconds{0});
}

void worker::run_timers(clock::time_point now) {
    if (accept_retry_at_ && now >= *accept_retry_at_) {
        accept_retry_at_.reset();
        set_accepting(true);
    }
    if (drain_deadline_ && now >= *drain_deadline_) {
        drain_deadline_.reset();
        if (conns_.size() > 0) {
            spdlog::warn("drain timeout: closing {} connections", conns_.size());
        }
        conns_.for_each([this](core::slot_id id, connection& c) {
            close_connection(id.pack(), c, "drain timeout");
        });
    }
}

worker::connection* worker::find(io::conn_token t) noexcept { return conns_.find(to_slot(t)); }

void worker::on_accept(std::size_t listener, int fd, const sockaddr* peer, socklen_t peer_len) {
    if (fd < 0) {
        out_of_descriptors(-fd);
        return;
    }
    if (sockets_[listener].kind == core::transport::unix_stream) {
        const auto cred = net::peer_credentials(fd);
        open_connection(fd, net::endpoint::unix_peer(cred.pid, cred.uid));
        return;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const auto endpoint = net::endpoint::from_sockaddr(peer, peer_len);
    open_connection(fd, endpoint.value_or(net::endpoint{}));
}

void worker::open_connection(int fd, const net::endpoint& peer) {
    const io::conn_token t = conns_.emplace(connection{peer, false, false, clock::now(), {}}).pack();
    engine_->attach(t, fd);
    if (spdlog::should_log(spdlog::level::info)) {
        spdlog::info("connected by {}", peer.to_string());
    }
    connection& c = *find(t);
    c.receiving = true;
    engine_->set_receiving(t, true);
}

void worker::out_of_descriptors(int err) {
    const bool descriptors = err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
    if (auto suppressed = accept_warning_.admit(clock::now())) {
        spdlog::warn("accept: {}{}{}", net::errno_text(err),
                     descriptors ? "; pausing accepts until a descriptor frees up" : "",
                     *suppressed ? fmt::format(" ({} more since last warning)", *suppressed)
                                 : std::string{});
    }
    if (descriptors) {
        // The listener stays readable while the queue holds connections; pausing
        // it is what keeps the loop from spinning. A close or the timer resumes.
        set_accepting(false);
        accept_retry_at_ = clock::now() + kAcceptRetry;
    }
}

void worker::set_accepting(bool on) {
    if (accepting_ == on || draining_) {
        return;
    }
    accepting_ = on;
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
        if (sockets_[i].kind != core::transport::udp) {
            on ? engine_->resume_listener(i) : engine_->pause_listener(i);
        }
    }
}

void worker::on_datagrams(std::size_t socket, std::span<io::datagram> batch) {
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         clock::now().time_since_epoch())
                         .count();
    auto& counts = datagram_counts_[socket];
    for (auto& d : batch) {
        const auto source = net::datagram_source(d.peer, d.peer_len);
        const auto verdict = guard_.judge(source.port, source.key, now);
        d.echo = verdict == core::datagram_verdict::echo;
        ++counts.judged[static_cast<std::size_t>(verdict)];
    }
}

void worker::on_datagrams_sent(std::size_t socket, std::size_t sent, std::size_t dropped) {
    datagram_counts_[socket].echoed += sent;
    datagram_counts_[socket].send_buffer_full += dropped;
}

void worker::on_recv(io::conn_token t, int result, core::chunk_ptr data) {
    connection* c = find(t);
    if (c == nullptr || c->closing) {
        return;
    }
    if (result < 0) {
        close_connection(t, *c, close_reason(-result));
        return;
    }
    if (result == 0) {
        c->stream.on_peer_eof();
    } else {
        c->stream.on_received(std::move(data));
    }
    pump(t, *c);
}

void worker::on_send(io::conn_token t, int result) {
    connection* c = find(t);
    if (c == nullptr || c->closing) {
        return;
    }
    if (result < 0) {
        close_connection(t, *c, close_reason(-result));
        return;
    }
    c->stream.on_sent(static_cast<std::size_t>(result));
    pump(t, *c);
}

// Brings the engine in line with the stream: send what waits, receive only below
// the bound, close once everything the peer sent has gone back.
void worker::pump(io::conn_token t, connection& c) {
    const auto bytes = c.stream.begin_send();
    if (!bytes.empty()) {
        engine_->send(t, bytes);
    }
    if (c.stream.finished()) {
        close_connection(t, c, "closed by peer");
        return;
    }
    const bool want = c.stream.wants_receive(options_.max_chunks);
    if (want != c.receiving) {
        c.receiving = want;
        engine_->set_receiving(t, want);
    }
}

void worker::close_connection(io::conn_token t, connection& c, const char* reason) {
    if (c.closing) {
        return;
    }
    c.closing = true;
    if (spdlog::should_log(spdlog::level::info)) {
        const std::chrono::duration<double> age = clock::now() - c.opened;
        spdlog::info("closed {} ({}): echoed {} bytes in {:.3f} s", c.peer.to_string(), reason,
                     c.stream.bytes_echoed(), age.count());
    }
    engine_->close(t);
}

void worker::on_closed(io::conn_token t) {
    conns_.erase(to_slot(t));
    if (!accepting_ && !draining_) {
        accept_retry_at_.reset();
        set_accepting(true);  // a descriptor just came free
    }
}

void worker::on_notify() {
    if (stop_requested_.load(std::memory_order_acquire) && !draining_) {
        begin_drain();
    }
}

void worker::begin_drain() {
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
        engine_->unwatch_listener(i);
    }
    sockets_.clear();  // closing them refuses new connections at once
    draining_ = true;
    accept_retry_at_.reset();
    drain_deadline_ = clock::now() + std::chrono::duration_cast<clock::duration>(
                                         options_.drain_timeout);
}

}  // namespace echo::server
