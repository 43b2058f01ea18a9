// The echo service over any engine: accept, receive into the stream, send what it
// says, pause receiving at the bound, close when done. One thread, no locks.
#include "server/worker.hpp"

#include "net/datagram_source.hpp"
#include "net/setup_error.hpp"
#include "net/unix_listener.hpp"
#include "core/ip_text.hpp"
#include "pipeline/echo_application.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <stdexcept>

namespace echo::server {

namespace {

constexpr auto kAcceptRetry = std::chrono::milliseconds{100};

core::slot_id to_slot(io::conn_token t) noexcept { return core::slot_id::unpack(t); }

core::close_reason reason_of(int err) {
    switch (err) {
        case ECONNRESET:
            return core::close_reason::reset;
        case EPIPE:
            return core::close_reason::peer_stopped_reading;
        case ETIMEDOUT:
            return core::close_reason::timed_out;
        default:
            return core::close_reason::socket_error;
    }
}

// The wording of the text log; the JSON log uses core::name_of.
const char* text_of(core::close_reason r) {
    constexpr const char* texts[core::kCloseReasons] = {
        "closed by peer", "reset by peer",  "peer stopped reading",
        "timed out",      "socket error",   "drain timeout",
        "idle timeout",   "max lifetime",   "max connection bytes",
        "protocol stage failed", "handshake timeout", "closed by application"};
    return texts[static_cast<std::size_t>(r)];
}

core::accept_error accept_error_of(int err) {
    switch (err) {
        case EMFILE:
            return core::accept_error::emfile;
        case ENFILE:
            return core::accept_error::enfile;
        case ENOBUFS:
        case ENOMEM:
            return core::accept_error::no_memory;
        default:
            return core::accept_error::other;
    }
}

std::int64_t ns_of(std::chrono::steady_clock::time_point t) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::int64_t ns_of(std::chrono::duration<double> d) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// A stream listener's service in its log lines: a `service` key, left out for
// the echo so the echo's lines stay as they were.
class service_note {
public:
    using field = std::pair<std::string_view, std::string>;
    explicit service_note(core::service_kind kind)
        : field_{{{"service", std::string{core::name_of(kind)}}}}, kind_(kind) {}
    [[nodiscard]] bool echo() const noexcept { return kind_ == core::service_kind::echo; }
    [[nodiscard]] std::string_view name() const noexcept { return core::name_of(kind_); }
    [[nodiscard]] std::span<const field> fields() const noexcept {
        return echo() ? std::span<const field>{} : std::span{field_};
    }

private:
    std::array<field, 1> field_;
    core::service_kind kind_;
};

// The peer's address alone (no port), exact, for per-address limits; none for Unix
// peers. A v4-mapped IPv6 peer comes out as its IPv4 address.
std::optional<core::peer_address> address_key(const net::endpoint& peer) noexcept {
    if (peer.family() != AF_INET && peer.family() != AF_INET6) {
        return std::nullopt;
    }
    return net::datagram_source(peer.sockaddr_ptr(), peer.sockaddr_len()).address;
}

}  // namespace

worker::worker(std::unique_ptr<io::engine> engine, std::vector<worker_socket> sockets,
               const worker_options& options)
    : engine_(std::move(engine)),
      sockets_(std::move(sockets)),
      options_(options),
      guard_(options.udp),
      datagram_services_(sockets_.size()),
      tallies_(std::make_unique<live_tallies[]>(sockets_.size())),
      opening_(sockets_.size()),
      recipes_(sockets_.size()),
      app_log_(options.events.get()),
      stage_chunks_(options.chunk_size, 64) {
    if (!options_.events) {
        throw std::invalid_argument("worker: worker_options.events is required");
    }
    dice_.resize(sockets_.size());
    dice_versions_.resize(sockets_.size());
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
        recipes_[i] = sockets_[i].recipe;
        if (sockets_[i].faults) {
            dice_versions_[i] = sockets_[i].faults->version() - 1;  // taken at the first batch
        }
        if (sockets_[i].kind == core::transport::udp) {
            if (sockets_[i].service != core::service_kind::echo) {
                datagram_services_[i].emplace(sockets_[i].service, sockets_[i].chargen_from);
            }
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
    const auto consider = [&next](std::optional<clock::time_point> t) {
        if (t && (!next || *t < *next)) {
            next = t;
        }
    };
    consider(drain_deadline_);
    const auto consider_list = [&consider](const core::deadline_list& list) {
        if (auto ns = list.next_deadline()) {
            consider(clock::time_point{std::chrono::nanoseconds{*ns}});
        }
    };
    consider_list(idle_);
    consider_list(lifetime_);
    for (auto ns : {app_timers_.next_deadline(), held_.next_deadline()}) {
        if (ns) {
            consider(clock::time_point{std::chrono::nanoseconds{*ns}});
        }
    }
    for (const auto& list : opening_) {
        consider_list(list);
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
            close_connection(id.pack(), c, core::close_reason::drain_timeout);
        });
    }
    expire(idle_, core::close_reason::idle_timeout, now);
    expire(lifetime_, core::close_reason::max_lifetime, now);
    for (auto& list : opening_) {
        expire(list, core::close_reason::stage_timeout, now);
    }
    run_app_timers(ns_of(now));
    if (held_.count() > 0) {
        send_held(ns_of(now));
    }
}

void worker::run_app_timers(std::int64_t now) {
    while (auto index = app_timers_.pop_expired(now)) {
        const auto id = conns_.id_at(*index);
        if (!id) {
            continue;
        }
        connection& c = *conns_.find(*id);
        c.wake_at = 0;
        if (c.app && engine_->is_open(id->pack())) {
            c.app->on_timer(now);
            c.chain ? pump_chain(id->pack(), c) : pump_app(id->pack(), c);
        }
    }
}

void worker::expire(core::deadline_list& list, core::close_reason reason, clock::time_point now) {
    while (auto index = list.pop_expired(ns_of(now))) {
        if (auto id = conns_.id_at(*index)) {
            close_connection(id->pack(), *conns_.find(*id), reason);
        }
    }
}

worker::connection* worker::find(io::conn_token t) noexcept { return conns_.find(to_slot(t)); }

void worker::on_accept(std::size_t listener, int fd, const sockaddr* peer, socklen_t peer_len) {
    if (fd < 0) {
        out_of_descriptors(listener, -fd);
        return;
    }
    tallies_[listener].add(core::tally::accepted);
    net::endpoint endpoint;
    if (sockets_[listener].kind == core::transport::unix_stream) {
        const auto cred = net::peer_credentials(fd);
        endpoint = net::endpoint::unix_peer(cred.pid, cred.uid);
    } else {
        endpoint = net::endpoint::from_sockaddr(peer, peer_len).value_or(net::endpoint{});
    }
    if (const auto counted = admit(listener, fd, endpoint)) {
        open_connection(listener, fd, endpoint, *counted);
    }
}

// The kernel completed these handshakes and told their clients they were connected;
// closing the listener would reset them, and a balancer without health checks (nginx
// stream) passes that reset on as a failed connection. So they are accepted and served
// through the drain. Bounded by the listen backlog (at most kMaxTakenAtDrain), once.
void worker::take_queued(std::size_t listener) {
    const int fd = sockets_[listener].fd.get();
    for (std::size_t n = 0; n < kMaxTakenAtDrain && fd >= 0; ++n) {
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        const int conn = ::accept4(fd, reinterpret_cast<sockaddr*>(&peer), &len,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (conn < 0) {
            return;  // EAGAIN: the queue is empty (listeners are non-blocking)
        }
        on_accept(listener, conn, reinterpret_cast<const sockaddr*>(&peer), len);
    }
}

// Nagle's algorithm holds back a short echo until the previous one is acknowledged,
// and the client's delayed ACK then stalls bulk echo for tens of milliseconds. The
// other options of a URL are set on the listener, and Linux copies them to each
// connection it accepts (tests/e2e/test_socket_options.py reads each one back).
void worker::tune(std::size_t listener, int fd) noexcept {
    if (sockets_[listener].kind == core::transport::tcp && sockets_[listener].nodelay) {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
}

// Over a limit the connection is accepted and closed at once: leaving it in the
// accept queue would only fill the queue and stall well-behaved clients. When a
// stage will name the client (a balancer's PROXY header), the per-address limit
// waits for that name (settle_client): the balancer's own address would stand for
// every client behind it.
std::optional<worker::counted_as> worker::admit(std::size_t listener, int fd,
                                                const net::endpoint& peer) {
    const auto& recipe = recipes_[listener];
    const auto address = address_key(peer);
    counted_as counted;
    counted.naming_pending = recipe && recipe->names_client(address);
    counted.gate = counted.naming_pending ? std::nullopt : address;
    std::optional<core::refusal> refusal;
    if (options_.gate) {
        refusal = options_.gate->admit(counted.gate, ns_of(clock::now()));
    }
    if (!refusal && recipe && !recipe->stages.empty() && !recipe->trusts(address)) {
        const auto key = opening_key(peer);
        if (key && !opening_by_address_.try_add(*key, recipe->max_opening_per_address)) {
            refusal = core::refusal::handshakes_per_ip;
            release(counted);  // the gate had admitted it
        } else {
            counted.opening = key;
        }
    }
    if (!refusal) {
        return counted;
    }
    ::close(fd);
    tallies_[listener].add(core::tally::refused(*refusal));
    log_refusal(listener, peer, *refusal);
    return std::nullopt;
}

void worker::log_refusal(std::size_t listener, const net::endpoint& peer, core::refusal refusal) {
    if (auto suppressed = refusal_warning_.admit(clock::now())) {
        const auto who = peer.to_string();
        log_event(*options_.events, spdlog::level::warn,
                  {.event = "refused", .peer = who, .listener = options_.listener_urls[listener],
                   .reason = core::name_of(refusal)},
                  "refused {} ({}){}", who, core::name_of(refusal),
                  *suppressed ? fmt::format(" ({} more since last warning)", *suppressed)
                              : std::string{});
    }
}

void worker::open_connection(std::size_t listener, int fd, const net::endpoint& peer,
                             const counted_as& counted) {
    const auto now = clock::now();
    tune(listener, fd);
    connection fresh;
    fresh.peer = peer;
    fresh.listener = static_cast<std::uint16_t>(listener);
    fresh.opened = now;
    fresh.counted = counted;
    const io::conn_token t = conns_.emplace(std::move(fresh)).pack();
    connection& c = *find(t);
    const auto& recipe = recipes_[listener];
    const bool staged = recipe && !recipe->stages.empty();
    int err = 0;
    if (staged) {
        c.chain = recipe->make(stage_chunks_, address_key(peer));
        err = c.chain ? 0 : -ENOMEM;
    } else if (recipe) {
        // No stages: the socket's peer is the client, and nothing is left to learn.
        err = start_app(c, ns_of(now)) ? 0 : -ENOMEM;
    }
    if (err == 0) {
        err = engine_->attach(t, fd);
    }
    if (err < 0) {
        // This one connection is refused; the loop and everyone else go on.
        auto left = c.counted;
        conns_.erase(to_slot(t));
        ::close(fd);
        release(left);
        tallies_[listener].add(core::tally::closed(core::close_reason::socket_error));
        if (auto suppressed = accept_warning_.admit(now)) {
            spdlog::warn("closed {}: cannot watch its socket: {}{}", peer.to_string(),
                         net::errno_text(-err),
                         *suppressed ? fmt::format(" ({} more since last warning)", *suppressed)
                                     : std::string{});
        }
        return;
    }
    if (options_.events->wants(spdlog::level::info)) {
        const auto who = peer.to_string();
        const service_note service{sockets_[listener].service};
        log_event(*options_.events, spdlog::level::info,
                  {.event = "connected", .peer = who, .listener = options_.listener_urls[listener],
                   .fields = service.fields()},
                  "connected by {}{}{}", who, service.echo() ? "" : " for ", service.name());
    }
    if (options_.limits.max_lifetime.count() > 0) {
        lifetime_.touch(to_slot(t).index, ns_of(now) + ns_of(options_.limits.max_lifetime));
    }
    if (staged) {
        // A stage may be open from the start (PROXY for a source whose header is never
        // read): the deadline is that of the first one still opening, if any.
        const auto opened = c.chain->opened();
        if (opened == c.chain->size()) {
            if (!on_stages_open(t, c, ns_of(now))) {
                return;
            }
        } else {
            c.stages_opened = static_cast<std::uint8_t>(opened);
            opening_[listener].touch(
                to_slot(t).index, ns_of(now) + ns_of(recipe->stages[opened]->opening_timeout()));
        }
    }
    touch(t);
    if (c.app) {
        // An application may speak first (daytime, chargen): pumped now, not at
        // the client's first byte.
        c.chain ? pump_chain(t, c) : pump_app(t, c);
        return;
    }
    engine_->set_receiving(t, true);
}

// Traffic either way postpones the idle timeout: O(1), no timer syscall.
void worker::touch(io::conn_token t) {
    if (options_.limits.idle_timeout.count() > 0) {
        idle_.touch(to_slot(t).index, ns_of(clock::now()) + ns_of(options_.limits.idle_timeout));
    }
}

void worker::out_of_descriptors(std::size_t listener, int err) {
    tallies_[listener].add(core::tally::failed_accept(accept_error_of(err)));
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

// The guard judges every datagram before any service answers it: a source port
// of the small services, or a source over its rate, gets nothing from any of them.
void worker::on_datagrams(std::size_t socket, std::span<io::datagram> batch) {
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         clock::now().time_since_epoch())
                         .count();
    auto& tallies = tallies_[socket];
    auto& service = datagram_services_[socket];
    if (service && service->tells_time()) {
        service->set_time(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
    }
    std::uint64_t bytes = 0;
    for (auto& d : batch) {
        const auto source = net::datagram_source(d.peer, d.peer_len);
        const auto verdict = guard_.judge(source.port, source.address, now);
        d.echo = verdict == core::datagram_verdict::echo;
        bytes += d.data.size();
        if (!d.echo) {
            tallies.add(core::tally::dropped(core::drop_of(verdict)));
        } else if (service) {
            d.reply = service->reply(d.data, source.address);
            d.echo = d.reply.has_value();
        }
    }
    if (sockets_[socket].faults) {
        follow_fault_switch(socket);
    }
    if (auto& dice = dice_[socket]) {
        apply_faults(socket, *dice, batch, now);
    }
    tallies.add(core::tally::messages_in, batch.size());
    tallies.add(core::tally::bytes_in, bytes);
}

void worker::follow_fault_switch(std::size_t socket) {
    const auto& faults = *sockets_[socket].faults;
    const auto version = faults.version();
    if (version == dice_versions_[socket]) {
        return;
    }
    dice_versions_[socket] = version;
    const auto f = faults.faults();
    dice_[socket].reset();
    if (f && f->any()) {
        dice_[socket].emplace(*f, f->seed ? *f->seed : std::random_device{}());
    }
}

void worker::apply_faults(std::size_t socket, core::datagram_fault_dice& dice,
                          std::span<io::datagram> batch, std::int64_t now) {
    auto& tallies = tallies_[socket];
    const auto count = [&tallies](core::datagram_fault f) { tallies.add(core::tally::faulted(f)); };
    for (auto& d : batch) {
        if (!d.echo) {
            continue;  // refused by the guard, which comes first
        }
        const auto fate = dice.roll(static_cast<std::uint32_t>(d.data.size()), now);
        if (fate.drop) {
            d.echo = false;
            if (fate.line_full) {
                tallies.add(core::tally::dropped(core::datagram_drop::line_full));
            } else {
                count(core::datagram_fault::dropped);
            }
            tallies.add(core::tally::fault_bytes_dropped, d.data.size());
            continue;
        }
        if (fate.flip_bit) {
            const auto bit = *fate.flip_bit;
            d.data[bit / 8] ^= std::byte{static_cast<std::uint8_t>(1U << (bit % 8))};
            count(core::datagram_fault::corrupted);
        }
        if (fate.twice) {
            count(core::datagram_fault::duplicated);
        }
        if (fate.reordered) {
            count(core::datagram_fault::reordered);
        }
        d.twice = fate.twice;
        if (fate.send_at > now) {
            d.echo = false;
            const auto* peer = reinterpret_cast<const std::byte*>(d.peer);
            if (held_.hold(socket, fate.send_at, fate.twice, {peer, d.peer_len}, d.control, d.data)) {
                count(core::datagram_fault::delayed);
            } else {
                dice.refund_last();
                tallies.add(core::tally::dropped(core::datagram_drop::hold_full));
                tallies.add(core::tally::fault_bytes_dropped, d.data.size());
            }
        }
    }
}

// Sends, in batches per socket, what the hold says is due: one sendmmsg per run of
// datagrams bound for the same socket, no syscall to arm a timer.
void worker::send_held(std::int64_t now) {
    constexpr std::size_t kTake = 64;
    do {
        held_.take_due(now, kTake, due_);
        std::size_t at = 0;
        while (at < due_.size()) {
            const auto socket = due_[at].socket();
            outgoing_.clear();
            for (; at < due_.size() && due_[at].socket() == socket; ++at) {
                const auto& h = due_[at];
                const io::outgoing_datagram d{reinterpret_cast<const sockaddr*>(h.peer().data()),
                                              static_cast<socklen_t>(h.peer().size()), h.control(),
                                              h.data()};
                outgoing_.push_back(d);
                if (h.twice()) {
                    outgoing_.push_back(d);
                }
            }
            const auto r = engine_->send_datagrams(socket, outgoing_);
            on_datagrams_sent(socket, r.sent, r.dropped, r.sent_bytes);
        }
    } while (due_.size() == kTake);
}

void worker::on_datagrams_sent(std::size_t socket, std::size_t sent, std::size_t dropped,
                               std::size_t sent_bytes) {
    auto& tallies = tallies_[socket];
    tallies.add(core::tally::messages_out, sent);
    tallies.add(core::tally::bytes_out, sent_bytes);
    tallies.add(core::tally::dropped(core::datagram_drop::send_buffer_full), dropped);
}

void worker::on_recv(io::conn_token t, int result, core::chunk_ptr data) {
    connection* c = find(t);
    if (c == nullptr) {
        return;
    }
    if (c->chain) {
        on_chain_recv(t, *c, result, std::move(data));
        return;
    }
    if (c->app) {
        on_app_recv(t, *c, result, std::move(data));
        return;
    }
    if (result < 0) {
        close_connection(t, *c, reason_of(-result));
        return;
    }
    if (result == 0) {
        c->stream.on_peer_eof();
    } else {
        auto& tallies = tallies_[c->listener];
        tallies.add(core::tally::bytes_in, static_cast<std::uint64_t>(result));
        tallies.add(core::tally::messages_in);
        c->stream.on_received(std::move(data));
        touch(t);
        const auto cap = options_.limits.max_connection_bytes;
        if (cap > 0 && c->stream.bytes_received() > cap) {
            close_connection(t, *c, core::close_reason::max_connection_bytes);
            return;
        }
    }
    pump(t, *c);
}

void worker::on_send(io::conn_token t, int result) {
    connection* c = find(t);
    if (c == nullptr) {
        return;
    }
    if (result < 0) {
        close_connection(t, *c, reason_of(-result));
        return;
    }
    auto& tallies = tallies_[c->listener];
    tallies.add(core::tally::bytes_out, static_cast<std::uint64_t>(result));
    tallies.add(core::tally::messages_out);
    touch(t);
    if (c->chain) {
        on_chain_sent(t, *c, static_cast<std::size_t>(result));
        return;
    }
    if (c->app) {
        c->app->on_sent(static_cast<std::size_t>(result), ns_of(clock::now()));
        pump_app(t, *c);
        return;
    }
    c->stream.on_sent(static_cast<std::size_t>(result));
    pump(t, *c);
}

// A connection with stages: the engine carries wire bytes, the chain turns them
// into the echo's bytes and back. Counted in wire bytes, like raw echo.
void worker::on_chain_recv(io::conn_token t, connection& c, int result, core::chunk_ptr data) {
    if (result < 0) {
        close_connection(t, c, reason_of(-result));
        return;
    }
    if (result == 0) {
        c.chain->wire_ended();
    } else {
        auto& tallies = tallies_[c.listener];
        tallies.add(core::tally::bytes_in, static_cast<std::uint64_t>(result));
        tallies.add(core::tally::messages_in);
        c.chain->push_wire(std::move(data));
        touch(t);
    }
    pump_chain(t, c);
}

void worker::on_chain_sent(io::conn_token t, connection& c, std::size_t n) {
    auto& wire = c.chain->wire();
    wire.consume_front(n);
    if (wire.front()->size() == 0) {
        (void)wire.pop_front();
    }
    c.wire_sending = false;
    pump_chain(t, c);
}

// The chain's pump: plaintext up into the application while it has room, its
// bytes down into the stages while the wire queue has room, one wire send in
// flight, and receiving only while everything held stays under the bound.
void worker::pump_chain(io::conn_token t, connection& c) {
    auto& chain = *c.chain;
    const auto bound = options_.max_chunks;
    const auto now = ns_of(clock::now());
    if (!move_chain_bytes(t, c, now)) {
        return;
    }
    const auto cap = options_.limits.max_connection_bytes;
    if (c.app && cap > 0 && c.app->bytes_received() > cap) {
        close_connection(t, c, core::close_reason::max_connection_bytes);
        return;
    }
    if (!c.stages_open) {
        const auto opened = chain.opened();
        if (opened != c.stages_opened && opened < chain.size()) {
            // The next stage's deadline runs from when the one below it opened.
            c.stages_opened = static_cast<std::uint8_t>(opened);
            const auto& next = *recipes_[c.listener]->stages[opened];
            opening_[c.listener].touch(to_slot(t).index, now + ns_of(next.opening_timeout()));
        }
    }
    if (c.app) {
        if (chain.app_input_finished()) {
            c.app->on_peer_eof(now);
        }
        if ((c.app->finished() || c.app->said_all()) && !c.app_ended) {
            c.app_ended = true;
            if (!c.app->resets()) {
                chain.app_ended();  // a reset says no goodbye (no TLS close_notify)
            }
        }
    }
    if (c.app && c.app->abandoned()) {
        close_connection(t, c, core::close_reason::app_closed);
        return;
    }
    auto& wire = chain.wire();
    if (!c.wire_sending && !wire.empty()) {
        c.wire_sending = true;
        engine_->send(t, wire.front()->payload());
    }
    if (!c.wire_sending) {
        // Everything said has gone: a failed stage's alert, or the closing bytes.
        if (chain.state() == pipeline::stage_state::failed) {
            close_connection(t, c, core::close_reason::stage_failed);
            return;
        }
        if (c.app_ended) {
            close_connection(t, c, c.app->failure().empty() ? core::close_reason::peer_closed
                                                            : core::close_reason::app_closed,
                             c.app->resets());
            return;
        }
    }
    if (c.stages_open && !c.wire_sending && chain.transparent()) {
        // Nothing left for the stages to do (a PROXY header read, no TLS): the rest
        // goes at the speed of a connection without stages.
        c.chain.reset();
        if (auto* echo = c.app->raw_echo()) {
            c.stream = std::move(*echo);
            c.app.reset();
            pump(t, c);
        } else {
            pump_app(t, c);
        }
        return;
    }
    if (c.app) {
        sync_wake(t, c);
    }
    const bool failed = chain.state() == pipeline::stage_state::failed;
    const bool room = !c.app || (c.app->wants_input() && c.app->held_chunks() + chain.held() < bound);
    engine_->set_receiving(t, !failed && !chain.app_input_finished() &&
                                  (c.app ? room : chain.held() < bound));
}

// Plaintext exists only once every stage is open, so the application is made
// (after the client is settled) before the first chunk reaches it.
bool worker::move_chain_bytes(io::conn_token t, connection& c, std::int64_t now) {
    auto& chain = *c.chain;
    const auto bound = options_.max_chunks;
    bool moved = true;
    while (moved) {
        moved = false;
        while (!c.app || (c.app->wants_input() && c.app->held_chunks() < bound)) {
            auto plain = chain.pull_app();
            if (c.counted.naming_pending) {
                const auto claim = chain.claim();
                if (!claim.pending && !settle_client(t, c, claim)) {
                    return false;
                }
            }
            if (!c.stages_open && chain.opened() == chain.size() && !on_stages_open(t, c, now)) {
                return false;
            }
            if (!plain || !c.app) {
                break;
            }
            c.app->on_received(std::move(plain), now);
            moved = true;
        }
        while (c.app && chain.wire().count() < bound) {
            const auto bytes = c.app->begin_send();
            if (bytes.empty()) {
                break;
            }
            const auto n = chain.push_app(bytes);
            c.app->on_sent(n, now);
            if (n == 0) {
                break;
            }
            moved = true;
        }
    }
    return true;
}

// A connection whose application is reached straight from the socket: no stages,
// or stages that became transparent.
void worker::on_app_recv(io::conn_token t, connection& c, int result, core::chunk_ptr data) {
    if (result < 0) {
        close_connection(t, c, reason_of(-result));
        return;
    }
    const auto now = ns_of(clock::now());
    if (result == 0) {
        c.app->on_peer_eof(now);
    } else {
        auto& tallies = tallies_[c.listener];
        tallies.add(core::tally::bytes_in, static_cast<std::uint64_t>(result));
        tallies.add(core::tally::messages_in);
        c.app->on_received(std::move(data), now);
        touch(t);
    }
    pump_app(t, c);
}

void worker::pump_app(io::conn_token t, connection& c) {
    auto& app = *c.app;
    const auto cap = options_.limits.max_connection_bytes;
    if (cap > 0 && app.bytes_received() > cap) {
        close_connection(t, c, core::close_reason::max_connection_bytes);
        return;
    }
    const auto bytes = app.begin_send();
    if (!bytes.empty()) {
        engine_->send(t, bytes);
    } else if (app.said_all() && !c.sending_ended) {
        c.sending_ended = true;
        engine_->end_sending(t);
    }
    if (app.finished()) {
        close_connection(t, c, app.failure().empty() ? core::close_reason::peer_closed
                                                     : core::close_reason::app_closed,
                         app.resets());
        return;
    }
    sync_wake(t, c);
    engine_->set_receiving(t, app.wants_input() && app.held_chunks() < options_.max_chunks);
}

void worker::sync_wake(io::conn_token t, connection& c) {
    const auto wake = c.app->wake_at().value_or(0);
    if (wake != c.wake_at) {
        c.wake_at = wake;
        wake != 0 ? app_timers_.set(to_slot(t).index, wake) : app_timers_.remove(to_slot(t).index);
    }
}

// The application's view of its connection. The address texts and stage facts
// are made only for an application that reads them (not the raw echo).
bool worker::start_app(connection& c, std::int64_t now) {
    static const pipeline::echo_application_factory raw_echo;
    const auto& recipe = *recipes_[c.listener];
    const auto& factory = recipe.application ? *recipe.application : raw_echo;
    pipeline::app_context context;
    context.chunks = &stage_chunks_;
    context.max_chunks = options_.max_chunks;
    context.now = now;
    if (factory.wants_context()) {
        const auto text_of = [](const net::endpoint& e) {
            const auto a = address_key(e);
            return a ? core::format_ip(*a) : std::string{};
        };
        const net::endpoint& peer = c.via ? *c.via : c.peer;
        context.client_address = text_of(c.peer);
        context.client_port = c.peer.port();
        context.peer_address = text_of(peer);
        context.peer_port = peer.port();
        if (c.chain) {
            for (const auto& observer : recipe.observers) {
                observer->app_facts(*c.chain, context.stage_facts);
            }
        }
        context.tls = std::any_of(context.stage_facts.begin(), context.stage_facts.end(),
                                  [](const auto& f) { return f.first == "tls_version"; });
        context.listener = options_.listener_urls[c.listener];
        context.wall_offset_ns =
            ns_of(std::chrono::system_clock::now().time_since_epoch()) - now;
        context.log = &app_log_;
    }
    c.app = factory.make(context);
    return c.app != nullptr;
}

// The header named the client (or said there is none to name): the limits that
// waited for it count the connection now, under the client's address.
bool worker::settle_client(io::conn_token t, connection& c, const pipeline::peer_claim& claim) {
    c.counted.naming_pending = false;
    if (claim.address) {
        c.via = c.peer;
        c.peer = net::endpoint::from_address(*claim.address, claim.port);
    }
    const auto address = address_key(c.peer);
    std::optional<core::refusal> refusal;
    if (options_.gate && address) {
        refusal = options_.gate->admit_address(*address);
        if (!refusal) {
            c.counted.gate = address;
        }
    }
    if (!refusal && c.chain->state() == pipeline::stage_state::opening && claim.address) {
        // Still opening (TLS after the header): its handshake counts as the client's.
        if (c.counted.opening) {
            opening_by_address_.remove(*c.counted.opening);
            c.counted.opening.reset();
        }
        const auto key = opening_key(c.peer);
        if (key && !opening_by_address_.try_add(*key, recipes_[c.listener]->max_opening_per_address)) {
            refusal = core::refusal::handshakes_per_ip;
        } else {
            c.counted.opening = key;
        }
    }
    if (!refusal) {
        return true;
    }
    tallies_[c.listener].add(core::tally::refused(*refusal));
    log_refusal(c.listener, c.peer, *refusal);
    close_connection(t, c, std::nullopt);
    return false;
}

// Counted by the per-IP limits' network (IPv6 by --ipv6-prefix-len); none for Unix.
std::optional<core::peer_address> worker::opening_key(const net::endpoint& peer) const {
    const auto a = address_key(peer);
    return a ? std::optional{a->ipv6_prefix(options_.limits.ipv6_prefix_len)} : std::nullopt;
}

bool worker::on_stages_open(io::conn_token t, connection& c, std::int64_t now) {
    c.stages_open = true;
    opening_[c.listener].remove(to_slot(t).index);
    if (c.counted.opening) {
        opening_by_address_.remove(*c.counted.opening);
        c.counted.opening.reset();
    }
    const auto& recipe = *recipes_[c.listener];
    pipeline::log_fields fields;
    if (!recipe.observers.empty()) {
        if (c.via) {
            fields.emplace_back("via", c.via->to_string());
        }
        for (const auto& observer : recipe.observers) {
            observer->opened(*c.chain, clock::now() - c.opened, fields);
        }
        if (options_.events->wants(spdlog::level::info)) {
            const auto who = c.peer.to_string();
            std::string text;
            for (const auto& [key, value] : fields) {
                text += fmt::format(" {}={}", key, value.empty() ? "-" : value);
            }
            log_event(*options_.events, spdlog::level::info,
                      {.event = "handshake", .peer = who, .listener = options_.listener_urls[c.listener],
                       .fields = fields},
                      "handshake with {}:{}", who, text);
        }
    }
    if (!start_app(c, now)) {
        close_connection(t, c, core::close_reason::socket_error);
        return false;
    }
    return true;
}

// Brings the engine in line with the stream: send what waits, receive only below
// the bound, close once everything the peer sent has gone back.
void worker::pump(io::conn_token t, connection& c) {
    const auto bytes = c.stream.begin_send();
    if (!bytes.empty()) {
        engine_->send(t, bytes);
    }
    if (c.stream.finished()) {
        close_connection(t, c, core::close_reason::peer_closed);
        return;
    }
    engine_->set_receiving(t, c.stream.wants_receive(options_.max_chunks));
}

void worker::close_connection(io::conn_token t, connection& c,
                              std::optional<core::close_reason> reason, bool abortive) {
    if (!engine_->is_open(t)) {
        return;  // already closing: on_closed will follow
    }
    idle_.remove(to_slot(t).index);
    lifetime_.remove(to_slot(t).index);
    if (c.wake_at != 0) {
        app_timers_.remove(to_slot(t).index);
        c.wake_at = 0;
    }
    if (c.chain && !c.stages_open) {
        opening_[c.listener].remove(to_slot(t).index);
        if (c.counted.opening) {
            opening_by_address_.remove(*c.counted.opening);
            c.counted.opening.reset();
        }
        if (reason) {
            report_unopened(c, *reason);
        }
    }
    if (!reason) {
        engine_->close(t);  // refused: counted and logged as such
        return;
    }
    tallies_[c.listener].add(core::tally::closed(*reason));
    if (options_.events->wants(spdlog::level::info)) {
        const std::chrono::duration<double> age = clock::now() - c.opened;
        const auto who = c.peer.to_string();
        const auto in = c.app ? c.app->bytes_received() : c.stream.bytes_received();
        const auto out = c.app ? c.app->bytes_sent() : c.stream.bytes_echoed();
        const service_note service{sockets_[c.listener].service};
        log_event(*options_.events, spdlog::level::info,
                  {.event = "closed", .peer = who, .listener = options_.listener_urls[c.listener],
                   .bytes_in = in, .bytes_out = out,
                   .duration_ms = age.count() * 1000, .reason = core::name_of(*reason),
                   .fields = service.fields()},
                  "closed {} ({}): {} in {:.3f} s", who, text_of(*reason),
                  service.echo()
                      ? fmt::format("echoed {} bytes", out)
                      : fmt::format("{} took {} bytes, sent {}", service.name(), in, out),
                  age.count());
    }
    abortive ? engine_->abort(t) : engine_->close(t);
}

// A connection that ends before its stages opened is a failed or timed-out
// handshake, whoever ended it.
void worker::report_unopened(const connection& c, core::close_reason reason) {
    for (const auto& observer : recipes_[c.listener]->observers) {
        if (reason == core::close_reason::stage_timeout) {
            observer->timed_out(*c.chain);
        } else {
            observer->failed(*c.chain,
                             reason == core::close_reason::stage_failed ? c.chain->failure()
                                                                        : core::name_of(reason),
                             clock::now() - c.opened);
        }
    }
}

void worker::release(counted_as& counted) noexcept {
    if (options_.gate) {
        options_.gate->release(counted.gate);
    }
    if (counted.opening) {
        opening_by_address_.remove(*counted.opening);
        counted.opening.reset();
    }
}

void worker::on_closed(io::conn_token t) {
    if (connection* c = find(t)) {
        release(c->counted);
    }
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
        if (sockets_[i].kind != core::transport::udp) {
            take_queued(i);
        }
        // Closing refuses new connections at once. The socket's kind stays: an engine
        // may still hand over a connection it accepted before the unwatch.
        sockets_[i].fd.reset();
    }
    draining_ = true;
    held_.clear();  // their sockets are closed
    accept_retry_at_.reset();
    drain_deadline_ = clock::now() + std::chrono::duration_cast<clock::duration>(
                                         options_.drain_timeout);
    // Applications that can say goodbye (WebSocket's 1001) say it now; their
    // peers answer and the connections end before the drain deadline.
    const auto now = ns_of(clock::now());
    conns_.for_each([this, now](core::slot_id id, connection& c) {
        if (c.app && engine_->is_open(id.pack())) {
            c.app->on_shutdown(now);
            c.chain ? pump_chain(id.pack(), c) : pump_app(id.pack(), c);
        }
    });
}

}  // namespace echo::server
