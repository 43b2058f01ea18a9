// Edge-triggered epoll client: each socket registered once; a read batch verifies
// every byte, records latencies and, in closed loop, refills the pipeline with one
// writev. Open loop issues messages at their scheduled times, whatever came back.
#include "loadgen/load_thread.hpp"

#include "loadgen/clock.hpp"
#include "net/datagram_source.hpp"
#include "net/setup_error.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace echo::loadgen {

namespace {

constexpr std::size_t kScratch = 256 * 1024;
constexpr std::size_t kMaxIov = 64;
constexpr std::int64_t kConnectTimeoutNs = 10'000'000'000;
constexpr std::int64_t kPublishEveryNs = 250'000'000;
// TLS's largest record: messages smaller than this are gathered into one write.
constexpr std::size_t kTlsRecord = 16 * 1024;
// How long the WebSocket connections wait for the server's answer to their close.
constexpr std::int64_t kCloseWaitNs = 2'000'000'000;

std::uint64_t xorshift(std::uint64_t& s) noexcept {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

std::uint64_t error_counts::*fault_kind(codec_fault f) noexcept {
    switch (f) {
    case codec_fault::status:
        return &error_counts::status;
    case codec_fault::protocol:
        return &error_counts::protocol;
    case codec_fault::early_close:
        return &error_counts::early_close;
    default:
        return &error_counts::mismatch;
    }
}

}  // namespace

load_thread::load_thread(const bench_config& config, const core::message_pattern& pattern,
                         const target_address& target, unsigned first_conn, unsigned stride,
                         load_role role)
    : config_(config),
      pattern_(pattern),
      target_(target),
      datagrams_(target.type == SOCK_DGRAM),
      keep_(config.ws_text ? std::byte{0x7f} : std::byte{0xff}),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      scratch_(kScratch),
      role_(role) {
    if (!epoll_) {
        throw net::setup_error("epoll_create1: " + net::errno_text(errno));
    }
    if (config.target.tls) {
        tls_.emplace(config.tls, config.target);
        tls_out_.resize(kTlsRecord);
    }
    for (unsigned id = first_conn; id < config.conns; id += stride) {
        conns_.push_back(connection{id, {}, core::echo_expectation{pattern, id, keep_}, {}, 0,
                                    0x9e3779b97f4a7c15ULL * (id + 1), 0, false, false, false,
                                    0, {}, message_codec{config}, false});
    }
    if (config.rate > 0) {
        pacer_.emplace(config.rate * static_cast<double>(conns_.size()) / config.conns);
    }
}

void load_thread::run(run_sync& sync) {
    progress_ = role_ == load_role::streamer ? &sync.streamer_progress : &sync.progress;
    connect_all();
    sync.gate.arrive_and_wait();  // all connected; main reads the server's RSS
    sync.gate.arrive_and_wait();  // main has written the timeline
    times_ = sync.times;
    next_publish_ns_ = times_.start_ns;
    sleep_until_ns(role_ == load_role::streamer ? times_.antagonists_ns : times_.start_ns);
    start_load();
    load_until(times_.end_ns, true);
    load_until(times_.drain_end_ns, false);
    close_websockets();
    for (auto& c : conns_) {
        if (c.open && owed_by(c) > 0) {
            result_.errors.unanswered += owed_by(c);
            if (result_.first_error.empty()) {
                result_.first_error = std::to_string(owed_by(c)) +
                                      " messages unanswered on connection " +
                                      std::to_string(c.id) + " when the drain ran out";
            }
        }
        result_.errors.late += c.tracker.late();
        result_.reordered += c.tracker.reordered();
        result_.errors.duplicated += c.tracker.duplicated();
        result_.errors.corrupted += c.tracker.corrupted();
        close_connection(c);
    }
    publish(true);
}

void load_thread::connect_all() {
    const std::int64_t begin = now_ns();
    std::optional<core::pacer> ramp;
    if (config_.connect_rate > 0) {
        ramp.emplace(config_.connect_rate * static_cast<double>(conns_.size()) / config_.conns);
    }
    std::size_t started = 0, pending = 0;
    std::array<epoll_event, 256> events;
    while (started < conns_.size() || pending > 0) {
        const std::int64_t now = now_ns();
        const std::size_t due = ramp ? std::min<std::size_t>(ramp->due_by(now - begin),
                                                             conns_.size())
                                     : conns_.size();
        for (; started < due; ++started, ++pending) {
            start_connect(conns_[started]);
            pending -= settling(conns_[started]) ? 0 : 1;
        }
        const std::int64_t wake = ramp && started < conns_.size()
                                      ? begin + ramp->due_at(started) : now + 100'000'000;
        const timespec ts{0, std::clamp<long>(wake - now, 0, 100'000'000)};
        const int n = ::epoll_pwait2(epoll_.get(), events.data(), events.size(), &ts, nullptr);
        for (int i = 0; i < n; ++i) {
            connection& c = conns_[events[i].data.u64];
            if (settling(c)) {
                advance_setup(c);
                pending -= settling(c) ? 0 : 1;
            }
        }
        if (now - begin > kConnectTimeoutNs + (ramp ? ramp->due_at(conns_.size()) : 0)) {
            for (auto& c : conns_) {
                if (settling(c)) {
                    fail(c, &error_counts::connect_failed,
                         c.connecting    ? "connect timed out"
                         : c.handshaking ? "TLS handshake timed out"
                                         : "WebSocket upgrade timed out");
                }
            }
            return;
        }
    }
}

void load_thread::start_connect(connection& c) {
    c.fd.reset(::socket(target_.family, target_.type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.fd) {
        fail(c, &error_counts::connect_failed, "socket: " + net::errno_text(errno));
        return;
    }
    if (target_.family != AF_UNIX && !datagrams_) {
        const int one = 1;
        ::setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd.get(), &ev);
    c.connect_ns = now_ns();
    if (::connect(c.fd.get(), target_.address(), target_.length) == 0) {
        on_connected(c);
    } else if (errno == EINPROGRESS) {
        c.connecting = true;
    } else {
        fail(c, &error_counts::connect_failed,
             "connect " + target_.text + ": " + net::errno_text(errno));
    }
}

void load_thread::finish_connect(connection& c) {
    c.connecting = false;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        fail(c, &error_counts::connect_failed,
             "connect " + target_.text + ": " + net::errno_text(err));
        return;
    }
    on_connected(c);
}

// --proxy: the header goes out first, before any TLS, as a balancer writes it. It
// is far smaller than a fresh socket's send buffer, so one send takes it whole.
bool load_thread::send_proxy_header(connection& c) {
    sockaddr_storage own{}, server{};
    socklen_t own_len = sizeof own, server_len = sizeof server;
    core::proxy_endpoint source, destination;
    if (config_.proxy.source) {
        source = *config_.proxy.source;
        // A Unix socket has no destination address: the other family's "any".
        destination.ip = source.ip.is_ipv4()
                             ? core::peer_address::ipv4(std::array<std::uint8_t, 4>{})
                             : core::peer_address{};
    }
    if (target_.family != AF_UNIX &&
        ::getpeername(c.fd.get(), reinterpret_cast<sockaddr*>(&server), &server_len) == 0) {
        const auto d = net::datagram_source(reinterpret_cast<sockaddr*>(&server), server_len);
        destination = {d.address, d.port};
        if (!config_.proxy.source &&
            ::getsockname(c.fd.get(), reinterpret_cast<sockaddr*>(&own), &own_len) == 0) {
            const auto o = net::datagram_source(reinterpret_cast<sockaddr*>(&own), own_len);
            source = {o.address, o.port};
        }
    }
    if (source.ip.is_ipv4() != destination.ip.is_ipv4()) {
        // An IPv6 client named to an IPv4 server (or the reverse): the header's one
        // family is the client's, with the server as its mapped or unspecified form.
        destination.ip = source.ip.is_ipv4() ? core::peer_address::ipv4(std::array<std::uint8_t, 4>{})
                                             : core::peer_address{};
    }
    const auto header = config_.proxy.version == 1 ? core::encode_proxy_v1(source, destination)
                                                   : core::encode_proxy_v2(source, destination);
    const auto sent = ::send(c.fd.get(), header.data(), header.size(), MSG_NOSIGNAL);
    if (sent != static_cast<ssize_t>(header.size())) {
        fail(c, &error_counts::connect_failed,
             "sending the PROXY header to " + target_.text + ": " +
                 (sent < 0 ? net::errno_text(errno) : std::string{"short write"}));
        return false;
    }
    return true;
}

void load_thread::on_connected(connection& c) {
    if (config_.proxy.version != 0 && !send_proxy_header(c)) {
        return;
    }
    if (!tls_) {
        begin_session(c);
        return;
    }
    c.tls = tls_stream{*tls_, c.fd.get()};
    if (!c.tls) {
        fail(c, &error_counts::tls, c.tls.error());
        return;
    }
    c.handshaking = true;
    continue_handshake(c);
}

void load_thread::continue_handshake(connection& c) {
    const auto r = c.tls.handshake();
    if (r.status == tls_status::want_io) {
        return;
    }
    if (r.status != tls_status::done) {
        fail(c, &error_counts::tls, "TLS handshake with " + target_.text + " failed: " +
                                        c.tls.error());
        return;
    }
    c.handshaking = false;
    const std::int64_t now = now_ns();
    result_.handshake_latency.record(static_cast<std::uint64_t>(now - c.connect_ns));
    ++result_.handshakes;
    result_.resumed += c.tls.resumed() ? 1 : 0;
    // Before the gate the timeline is all zero: only reconnects land in the window.
    result_.window_handshakes += now >= times_.measure_ns && now < times_.end_ns ? 1 : 0;
    if (result_.tls_version.empty()) {
        result_.tls_version = c.tls.version();
        result_.tls_cipher = c.tls.cipher();
        result_.tls_alpn = c.tls.alpn();
    }
    begin_session(c);
}

// The transport is up (and TLS with it): a WebSocket target asks for the upgrade
// first; other targets carry messages from here on.
void load_thread::begin_session(connection& c) {
    c.codec.start();
    if (!c.codec.needs_handshake()) {
        c.open = true;
        return;
    }
    c.upgrading = true;
    flush(c);
}

void load_thread::continue_upgrade(connection& c) {
    flush(c);
    while (c.upgrading) {
        const ssize_t n = receive(c);
        if (n <= 0) {
            return;
        }
        std::string problem;
        const auto step = c.codec.handshake({scratch_.data(), static_cast<std::size_t>(n)}, problem);
        if (step == message_codec::handshake_step::failed) {
            fail(c, &error_counts::protocol, problem);
            return;
        }
        if (step == message_codec::handshake_step::done) {
            c.upgrading = false;
            c.open = true;
        }
    }
}

// The end of the run on a WebSocket target: every open connection sends its close
// (1000) and waits, a bounded time, for the server's; a connection that never gets
// it is closed all the same, without an error (its messages were all accounted for).
void load_thread::close_websockets() {
    if (datagrams_ || config_.target.application != "ws") {
        return;
    }
    for (auto& c : conns_) {
        if (c.open) {
            c.codec.close(1000);
            flush(c);
        }
    }
    const auto waiting = [this] {
        return std::any_of(conns_.begin(), conns_.end(),
                           [](const connection& c) { return c.open && !c.codec.peer_closed(); });
    };
    const std::int64_t until = now_ns() + kCloseWaitNs;
    std::array<epoll_event, 512> events;
    for (std::int64_t now = now_ns(); now < until && waiting(); now = now_ns()) {
        const std::int64_t wait = until - now;
        const timespec ts{static_cast<time_t>(wait / 1'000'000'000),
                          static_cast<long>(wait % 1'000'000'000)};
        const int n = ::epoll_pwait2(epoll_.get(), events.data(), events.size(), &ts, nullptr);
        for (int i = 0; i < n; ++i) {
            on_event(conns_[events[i].data.u64], events[i].events);
        }
    }
    for (auto& c : conns_) {
        result_.clean_closes += c.open && c.codec.peer_closed() ? 1 : 0;
    }
}

// One step of a connection that is not ready yet: the connect, then the handshake.
void load_thread::advance_setup(connection& c) {
    if (c.connecting) {
        finish_connect(c);
    } else if (c.handshaking) {
        continue_handshake(c);
    } else if (c.upgrading) {
        continue_upgrade(c);
    }
}

void load_thread::close_connection(connection& c) noexcept {
    c.tls.close();
    c.fd.reset();
    c.open = c.connecting = c.handshaking = c.upgrading = false;
}

std::size_t load_thread::ready_connections() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(conns_.begin(), conns_.end(), [](const connection& c) { return c.open; }));
}

void load_thread::start_load() {
    if (pacer_) {
        return;  // open loop: issue_due() sends on schedule
    }
    const std::int64_t now = now_ns();
    for (auto& c : conns_) {
        fill_pipeline(c, now);
    }
}

void load_thread::fill_pipeline(connection& c, std::int64_t now) {
    const unsigned cap = config_.messages_per_conn ? config_.messages_per_conn : config_.pipeline;
    for (unsigned k = 0; c.open && k < std::min(config_.pipeline, cap); ++k) {
        push_message(c, now);
    }
    if (c.open) {
        flush(c);
    }
}

// --messages-per-conn: the connection is done; close it as a client does and open
// the next, so accept, connect and close are measured along with the echo.
void load_thread::reconnect(connection& c, std::int64_t now) {
    if (c.open && c.codec.needs_handshake()) {  // a close frame, not waited for
        c.codec.close(1000);
        flush(c);
    }
    close_connection(c);
    c.expect = core::echo_expectation{pattern_, c.id, keep_};
    c.done = 0;
    if (now >= times_.measure_ns && now < times_.end_ns) {
        ++result_.connections;
    }
    if (now < times_.end_ns) {
        start_connect(c);
        // A Unix stream connect completes at once and brings no "connected" event
        // (on_event's refill), so the new connection's pipeline is filled here.
        if (c.open) {
            fill_pipeline(c, now);
        }
    }
}

void load_thread::push_message(connection& c, std::int64_t sent_ns) {
    const auto& sizes = config_.sizes;
    const std::uint32_t size =
        sizes.size() == 1 ? sizes[0] : sizes[xorshift(c.rng) % sizes.size()];
    ++result_.sent_messages;
    if (datagrams_) {
        send_datagram(c, size, sent_ns);
        return;
    }
    c.expect.push(c.next_seq++, size, sent_ns);
    c.codec.wrap(c.expect, size);
}

std::size_t load_thread::owed_by(const connection& c) const noexcept {
    return datagrams_ ? c.tracker.in_flight() : c.expect.in_flight();
}

bool load_thread::owed() const noexcept {
    return std::any_of(conns_.begin(), conns_.end(),
                       [this](const connection& c) { return c.open && owed_by(c) > 0; });
}

std::int64_t load_thread::next_wakeup(std::int64_t until_ns) const noexcept {
    std::int64_t wake = std::min(until_ns, next_publish_ns_);
    if (pacer_) {
        wake = std::min(wake, times_.start_ns + pacer_->due_at(issued_));
    }
    if (datagrams_) {
        wake = std::min(wake, next_expiry_ns_);
    }
    return wake;
}

void load_thread::load_until(std::int64_t until_ns, bool issuing) {
    std::array<epoll_event, 512> events;
    for (std::int64_t now = now_ns(); now < until_ns; now = now_ns()) {
        if (!issuing && !owed()) {
            return;
        }
        if (issuing && pacer_) {
            issue_due(now);
        }
        if (datagrams_ && now >= next_expiry_ns_) {
            expire_lost(now);
        }
        publish(false);
        const std::int64_t wait = std::max<std::int64_t>(0, next_wakeup(until_ns) - now_ns());
        const timespec ts{static_cast<time_t>(wait / 1'000'000'000),
                          static_cast<long>(wait % 1'000'000'000)};
        const int n = ::epoll_pwait2(epoll_.get(), events.data(), events.size(), &ts, nullptr);
        for (int i = 0; i < n; ++i) {
            on_event(conns_[events[i].data.u64], events[i].events);
        }
    }
}

void load_thread::issue_due(std::int64_t now) {
    const std::uint64_t due = pacer_->due_by(now - times_.start_ns);
    for (; issued_ < due; ++issued_) {
        const std::int64_t intended = times_.start_ns + pacer_->due_at(issued_);
        if (intended >= times_.end_ns) {
            issued_ = due;
            return;
        }
        connection& c = conns_[issued_ % conns_.size()];
        if (c.open) {
            push_message(c, intended);
            flush(c);
        }
    }
}

void load_thread::on_event(connection& c, std::uint32_t events) {
    if (settling(c)) {  // a reconnect (--messages-per-conn) went a step further
        advance_setup(c);
        if (c.open) {
            fill_pipeline(c, now_ns());
        }
        return;
    }
    if (!c.open || c.codec.peer_closed()) {
        return;
    }
    if (datagrams_) {
        if ((events & (EPOLLIN | EPOLLERR)) != 0) {
            read_datagrams(c);
        }
        return;
    }
    // TLS reads on any edge: a record may wait inside OpenSSL, or a read may have
    // waited for the socket to take a write.
    if (tls_ || (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        read_all(c, (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
    }
    if (c.open && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
        flush(c);
    }
}

void load_thread::read_all(connection& c, bool peer_closed) {
    for (bool more = true; c.open && more;) {
        const ssize_t n = receive(c);
        if (n <= 0) {
            break;
        }
        // A short read emptied the socket and new bytes raise a new edge, so the
        // EAGAIN read is saved; not so for a FIN whose edge came with the data.
        // A TLS read returns a record at most: only want_io says the socket is empty.
        more = tls_ || static_cast<std::size_t>(n) == scratch_.size() || peer_closed;
        if (!settle(c, {scratch_.data(), static_cast<std::size_t>(n)})) {
            return;
        }
        if (c.codec.peer_closed()) {
            return;  // the WebSocket is closed; the FIN that follows is no error
        }
    }
    if (c.open && unsent(c)) {
        flush(c);
    }
}

ssize_t load_thread::receive(connection& c) {
    if (tls_) {
        const auto r = c.tls.read(scratch_);
        switch (r.status) {
        case tls_status::done:
            return static_cast<ssize_t>(r.bytes);
        case tls_status::want_io:
            return 0;
        case tls_status::closed:
            fail(c, &error_counts::early_close,
                 "server closed connection " + std::to_string(c.id) + " with " +
                     std::to_string(c.expect.in_flight()) + " messages owed");
            return -1;
        case tls_status::reset:
            fail(c, &error_counts::reset, "TLS read on connection " + std::to_string(c.id) +
                                              ": " + c.tls.error());
            return -1;
        case tls_status::failed:
            fail(c, &error_counts::tls, "TLS read on connection " + std::to_string(c.id) +
                                            ": " + c.tls.error());
            return -1;
        }
    }
    for (;;) {
        const ssize_t n = ::recv(c.fd.get(), scratch_.data(), scratch_.size(), 0);
        if (n > 0) {
            return n;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return 0;
        }
        if (n == 0) {
            fail(c, &error_counts::early_close,
                 "server closed connection " + std::to_string(c.id) + " with " +
                     std::to_string(c.expect.in_flight()) + " messages owed");
        } else {
            const int err = errno;
            fail(c, err == ECONNRESET || err == EPIPE ? &error_counts::reset : &error_counts::other,
                 "recv on connection " + std::to_string(c.id) + ": " + net::errno_text(err));
        }
        return -1;
    }
}

// Checks received bytes against what was sent, records the messages they complete
// and, in closed loop, sends as many new ones (up to --messages-per-conn).
bool load_thread::settle(connection& c, std::span<const std::byte> got) {
    const std::int64_t now = now_ns();
    const bool counted = now >= times_.measure_ns && now < times_.end_ns;  // the window
    const bool refill = !pacer_ && now < times_.end_ns;
    const std::size_t cap = config_.messages_per_conn;
    std::size_t refills = 0;
    std::uint32_t completed = 0;
    const auto on_done = [&](const core::echo_expectation::completion& done) {
        if (counted) {
            complete(now, done.sent_ns, done.size);
        }
        ++completed;
        const std::size_t sent = c.done + completed + c.expect.in_flight() + refills;
        refills += refill && (cap == 0 || sent < cap) ? 1 : 0;
    };
    if (c.codec.framed()) {
        // Only the messages' bytes count as verified, not the frames or heads around them.
        const auto v = c.codec.unwrap(got, c.expect, on_done);
        result_.verified_bytes += v.checked;
        if (v.fault != codec_fault::none) {
            fail(c, fault_kind(v.fault), v.problem);
            return false;
        }
    } else {
        const auto verdict = c.expect.on_received(got, on_done);
        result_.verified_bytes += got.size();
        if (!verdict.ok) {
            fail(c, &error_counts::mismatch, verdict.problem);
            return false;
        }
    }
    c.done += completed;
    if (cap > 0 && c.done >= cap && c.expect.in_flight() == 0) {
        reconnect(c, now);
        return false;
    }
    for (; refills > 0; --refills) {
        push_message(c, now);
    }
    return true;
}

void load_thread::complete(std::int64_t now, std::int64_t sent_ns, std::uint32_t size) {
    const auto latency = static_cast<std::uint64_t>(now - sent_ns);
    result_.latency.record(latency);
    interval_.record(latency);
    ++result_.messages;
    result_.bytes += size;
    ++unpublished_messages_;
    unpublished_bytes_ += size;
}

void load_thread::flush(connection& c) {
    if (c.codec.framed()) {
        flush_framed(c);
        return;
    }
    if (tls_) {
        flush_tls(c);
        return;
    }
    std::array<std::span<const std::byte>, kMaxIov> spans;
    std::array<iovec, kMaxIov> iov;
    while (c.open && !datagrams_) {
        const std::size_t count = c.expect.next_to_send(spans);
        if (count == 0) {
            return;
        }
        for (std::size_t i = 0; i < count; ++i) {
            iov[i] = {const_cast<std::byte*>(spans[i].data()), spans[i].size()};
        }
        const ssize_t n = ::writev(c.fd.get(), iov.data(), static_cast<int>(count));
        if (n >= 0) {
            c.expect.on_sent(static_cast<std::size_t>(n));
            continue;
        }
        if (errno == EAGAIN) {
            return;  // EPOLLOUT brings us back
        }
        if (errno != EINTR) {
            const int err = errno;
            fail(c, err == ECONNRESET || err == EPIPE ? &error_counts::reset : &error_counts::other,
                 "send on connection " + std::to_string(c.id) + ": " + net::errno_text(err));
        }
    }
}

// A record per write: a large span goes as it is; smaller ones are copied together
// first, since a record per 64 B message would cost a header and a tag each. What is
// offered again after want_io starts with the same bytes, as OpenSSL requires.
void load_thread::flush_tls(connection& c) {
    std::array<std::span<const std::byte>, kMaxIov> spans;
    while (c.open) {
        const std::size_t count = c.expect.next_to_send(spans);
        if (count == 0) {
            return;
        }
        std::span<const std::byte> record = spans[0];
        if (record.size() < kTlsRecord) {
            std::size_t used = 0;
            for (std::size_t i = 0; i < count && used < kTlsRecord; ++i) {
                const std::size_t take = std::min(spans[i].size(), kTlsRecord - used);
                std::copy_n(spans[i].data(), take, tls_out_.data() + used);
                used += take;
            }
            record = {tls_out_.data(), used};
        }
        const ssize_t n = write_some(c, record);
        if (n <= 0) {
            return;
        }
        c.expect.on_sent(static_cast<std::size_t>(n));
    }
}

// http/ws targets: the codec holds the framed bytes, whole, in one buffer.
void load_thread::flush_framed(connection& c) {
    while (c.open || c.upgrading) {
        const auto out = c.codec.pending();
        if (out.empty()) {
            return;
        }
        const ssize_t n = write_some(c, out);
        if (n <= 0) {
            return;
        }
        c.codec.on_sent(static_cast<std::size_t>(n));
    }
}

// One write through TLS or to the socket: the bytes taken, 0 when the socket is full
// (its next edge brings us back), -1 after fail() closed the connection.
ssize_t load_thread::write_some(connection& c, std::span<const std::byte> bytes) {
    if (tls_) {
        const auto r = c.tls.write(bytes);
        if (r.status == tls_status::done) {
            return static_cast<ssize_t>(r.bytes);
        }
        if (r.status == tls_status::want_io) {
            return 0;
        }
        fail(c, r.status == tls_status::reset ? &error_counts::reset : &error_counts::tls,
             "TLS write on connection " + std::to_string(c.id) + ": " + c.tls.error());
        return -1;
    }
    for (;;) {
        const ssize_t n = ::send(c.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n >= 0 || errno == EAGAIN) {
            return n >= 0 ? n : 0;
        }
        if (errno != EINTR) {
            const int err = errno;
            fail(c, err == ECONNRESET || err == EPIPE ? &error_counts::reset : &error_counts::other,
                 "send on connection " + std::to_string(c.id) + ": " + net::errno_text(err));
            return -1;
        }
    }
}

void load_thread::fail(connection& c, std::uint64_t error_counts::*kind, const std::string& what) {
    ++(result_.errors.*kind);
    progress_->errors.fetch_add(1, std::memory_order_relaxed);
    if (result_.first_error.empty()) {
        result_.first_error = what;
    }
    close_connection(c);
}

void load_thread::publish(bool force) {
    const std::int64_t now = now_ns();
    if (!force && now < next_publish_ns_) {
        return;
    }
    next_publish_ns_ = now + kPublishEveryNs;
    auto& p = *progress_;
    p.messages.fetch_add(unpublished_messages_, std::memory_order_relaxed);
    p.bytes.fetch_add(unpublished_bytes_, std::memory_order_relaxed);
    unpublished_messages_ = unpublished_bytes_ = 0;
    if (interval_.count() > 0) {
        const std::lock_guard guard{p.lock};
        p.interval.merge(interval_);
    }
    interval_.reset();
}

}  // namespace echo::loadgen
