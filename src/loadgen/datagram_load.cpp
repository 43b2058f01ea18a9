// The datagram half of load_thread: one message per datagram on a connected UDP
// socket; every reply is matched to what was sent by the header it carries, checked
// byte for byte, and a datagram not back within --loss-timeout is counted lost.
#include "loadgen/clock.hpp"
#include "loadgen/load_thread.hpp"
#include "net/setup_error.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

namespace echo::loadgen {

namespace {

constexpr std::int64_t kExpireEveryNs = 10'000'000;

}  // namespace

void load_thread::send_datagram(connection& c, std::uint32_t size, std::int64_t sent_ns) {
    const core::message_id id{c.id, c.next_seq++, size};
    const auto header = core::message_pattern::header(id);
    const auto body = pattern_.body(id);
    iovec iov[2] = {{const_cast<std::byte*>(header.data()), core::message_pattern::header_length(id)},
                    {const_cast<std::byte*>(body.data()), body.size()}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    c.tracker.sent(id.seq, size, sent_ns);
    // A full send buffer loses the datagram here rather than on the wire; either
    // way the loss timeout counts it.
    if (::sendmsg(c.fd.get(), &msg, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS) {
        const int err = errno;
        fail(c, &error_counts::other,
             "send on connection " + std::to_string(c.id) + ": " + net::errno_text(err));
    }
}

void load_thread::read_datagrams(connection& c) {
    while (c.open) {
        const ssize_t n = ::recv(c.fd.get(), scratch_.data(), scratch_.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN) {
                return;
            }
            if (errno != EINTR) {
                const int err = errno;  // ECONNREFUSED: nobody listens there
                fail(c, err == ECONNREFUSED ? &error_counts::connect_failed : &error_counts::other,
                     "recv on connection " + std::to_string(c.id) + " from " + target_.text +
                         ": " + net::errno_text(err));
            }
            continue;
        }
        const std::int64_t now = now_ns();
        result_.verified_bytes += static_cast<std::uint64_t>(n);
        check_datagram(c, {scratch_.data(), static_cast<std::size_t>(n)}, now);
    }
}

void load_thread::check_datagram(connection& c, std::span<const std::byte> d, std::int64_t now) {
    const auto mismatch = [&](const std::string& what) {
        ++result_.errors.mismatch;
        if (result_.first_error.empty()) {
            result_.first_error = "connection " + std::to_string(c.id) + ": " + what;
        }
    };
    if (d.size() < core::kMessageHeader) {
        return mismatch("a " + std::to_string(d.size()) + "-byte datagram, shorter than a header");
    }
    const auto id = core::message_pattern::read_header(d);
    const bool intact = id.conn == c.id && id.size == d.size() &&
                        pattern_.first_mismatch(id, core::message_pattern::header(id), 0, d) == d.size();
    if (!intact) {
        if (const auto seq = corrupted_seq(c, d)) {
            if (c.tracker.corrupted(*seq) && !pacer_ && now < times_.end_ns) {
                push_message(c, now);  // settled, if not echoed intact: refill the window
            }
            return;
        }
        if (id.conn != c.id || id.size != d.size()) {
            return mismatch("datagram header names connection " + std::to_string(id.conn) +
                            ", size " + std::to_string(id.size) + "; got " +
                            std::to_string(d.size()) + " bytes");
        }
        return mismatch("datagram " + std::to_string(id.seq) + " differs from what was sent");
    }
    const auto answer = c.tracker.answered(id.seq);
    if (!answer) {
        return;  // a duplicate, or late: counted by the tracker
    }
    if (answer->size != d.size()) {
        return mismatch("datagram " + std::to_string(id.seq) + " came back " +
                        std::to_string(d.size()) + " bytes long, sent " +
                        std::to_string(answer->size));
    }
    if (now >= times_.measure_ns && now < times_.end_ns) {
        complete(now, answer->sent_ns, answer->size);
    }
    if (!pacer_ && now < times_.end_ns) {
        push_message(c, now);
    }
}

// A reply one bit away from a datagram this connection sent recently: the datagram
// a corrupting server (corrupt=P) flipped a bit of. The flip may be in the header's
// sequence number, so the candidates are the seq it names and each one bit from it.
std::optional<std::uint64_t> load_thread::corrupted_seq(const connection& c,
                                                        std::span<const std::byte> d) const {
    const auto named = core::message_pattern::read_header(d).seq;
    for (int bit = -1; bit < 64; ++bit) {
        const auto seq = bit < 0 ? named : named ^ (std::uint64_t{1} << bit);
        const auto size = c.tracker.size_of(seq);
        if (size == d.size() && pattern_.bits_apart({c.id, seq, *size}, d, 1) == 1) {
            return seq;
        }
    }
    return std::nullopt;
}

void load_thread::expire_lost(std::int64_t now) {
    next_expiry_ns_ = now + kExpireEveryNs;
    const auto deadline = now - static_cast<std::int64_t>(config_.loss_timeout.count() * 1e9);
    for (auto& c : conns_) {
        if (!c.open) {
            continue;
        }
        const auto lost = c.tracker.expire(deadline);
        result_.errors.lost += lost;
        if (lost > 0 && result_.first_error.empty()) {
            result_.first_error = std::to_string(lost) + " datagrams lost on connection " +
                                  std::to_string(c.id);
        }
        for (std::uint64_t i = 0; i < lost && !pacer_ && now < times_.end_ns; ++i) {
            push_message(c, now);  // closed loop: keep the window full
        }
    }
}

}  // namespace echo::loadgen
