// A full send buffer drops the rest of the batch (counted) rather than blocking
// the loop: RFC 862 echo over UDP is best effort, and the loop serves everyone.
#include "io/datagram_batch.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace echo::io {

namespace {

template <typename T>
std::size_t put_control(cmsghdr* c, int level, int type, const T& value) noexcept {
    c->cmsg_len = CMSG_LEN(sizeof value);
    c->cmsg_level = level;
    c->cmsg_type = type;
    std::memcpy(CMSG_DATA(c), &value, sizeof value);
    return CMSG_SPACE(sizeof value);
}

// The reply's source is the address the datagram was sent to. The interface is left
// to routing (index 0), so a host whose way back differs from the way in still
// answers, except for an IPv6 link-local destination: that address means something
// only on the link it came in by, so the reply is pinned there. An IPv4 reply uses
// ipi_spec_dst, the local address the kernel matched, which for a broadcast is the
// interface's own address rather than the broadcast one. Writes it into `out`;
// returns its length, 0 if none. `received` is aligned for a cmsghdr.
template <class Buffer>
std::size_t reply_control(std::span<const std::byte> received, Buffer& out) noexcept {
    msghdr in{};
    in.msg_control = const_cast<std::byte*>(received.data());
    in.msg_controllen = received.size();
    msghdr reply_header{};
    reply_header.msg_control = &out;
    reply_header.msg_controllen = sizeof out;
    for (cmsghdr* c = CMSG_FIRSTHDR(&in); c != nullptr; c = CMSG_NXTHDR(&in, c)) {
        cmsghdr* reply = CMSG_FIRSTHDR(&reply_header);
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo got;
            std::memcpy(&got, CMSG_DATA(c), sizeof got);
            in_pktinfo info{};
            info.ipi_spec_dst = got.ipi_spec_dst;
            return put_control(reply, IPPROTO_IP, IP_PKTINFO, info);
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            if (IN6_IS_ADDR_MULTICAST(&info.ipi6_addr)) {
                info.ipi6_addr = in6addr_any;  // not a source: the kernel picks one on that link
            } else if (!IN6_IS_ADDR_LINKLOCAL(&info.ipi6_addr)) {
                info.ipi6_ifindex = 0;
            }
            return put_control(reply, IPPROTO_IPV6, IPV6_PKTINFO, info);
        }
    }
    return 0;
}

}  // namespace

datagram_batch::datagram_batch() : slots_(new std::byte[kSlots * kSlotBytes]) {
    for (std::size_t i = 0; i < kSlots; ++i) {
        in_iov_[i] = {slots_.get() + i * kSlotBytes, kSlotBytes};
    }
}

int datagram_batch::receive(int fd) noexcept {
    for (std::size_t i = 0; i < kSlots; ++i) {
        in_[i].msg_hdr = {};
        in_[i].msg_hdr.msg_name = &peers_[i];
        in_[i].msg_hdr.msg_namelen = sizeof peers_[i];
        in_[i].msg_hdr.msg_iov = &in_iov_[i];
        in_[i].msg_hdr.msg_iovlen = 1;
        in_[i].msg_hdr.msg_control = &in_control_[i];
        in_[i].msg_hdr.msg_controllen = sizeof in_control_[i];
    }
    const int n = ::recvmmsg(fd, in_.data(), kSlots, MSG_DONTWAIT, nullptr);
    if (n < 0) {
        count_ = 0;
        return -errno;
    }
    count_ = static_cast<std::size_t>(n);
    for (std::size_t i = 0; i < count_; ++i) {
        const auto& h = in_[i].msg_hdr;
        const bool control_whole = (h.msg_flags & MSG_CTRUNC) == 0;
        views_[i] = datagram{static_cast<const sockaddr*>(h.msg_name), h.msg_namelen,
                             {slots_.get() + i * kSlotBytes, in_[i].msg_len},
                             {static_cast<const std::byte*>(h.msg_control),
                              control_whole ? h.msg_controllen : 0},
                             std::nullopt};
    }
    return n;
}

datagram_batch::send_result datagram_batch::echo_marked(int fd) noexcept {
    std::size_t marked = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        const auto& d = views_[i];
        if (d.echo) {
            const outgoing_datagram reply{d.peer, d.peer_len, d.control,
                                          d.reply.value_or(std::span<const std::byte>{d.data})};
            marked_[marked++] = reply;
            if (d.twice) {
                marked_[marked++] = reply;
            }
        }
    }
    return send(fd, {marked_.data(), marked});
}

datagram_batch::send_result datagram_batch::send(int fd,
                                                 std::span<const outgoing_datagram> out) noexcept {
    send_result r;
    while (!out.empty()) {
        const std::size_t n = std::min(out.size(), kSlots);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& d = out[i];
            out_iov_[i] = {const_cast<std::byte*>(d.data.data()), d.data.size()};
            out_[i].msg_hdr = {};
            out_[i].msg_hdr.msg_name = const_cast<sockaddr*>(d.peer);
            out_[i].msg_hdr.msg_namelen = d.peer_len;
            out_[i].msg_hdr.msg_iov = &out_iov_[i];
            out_[i].msg_hdr.msg_iovlen = 1;
            if (const std::size_t len = reply_control(d.control, out_control_[i]); len > 0) {
                out_[i].msg_hdr.msg_control = &out_control_[i];
                out_[i].msg_hdr.msg_controllen = len;
            }
        }
        std::size_t at = 0;
        while (at < n) {
            const int sent = ::sendmmsg(fd, out_.data() + at, static_cast<unsigned>(n - at),
                                        MSG_DONTWAIT);
            if (sent > 0) {
                for (int i = 0; i < sent; ++i) {
                    r.sent_bytes += out_iov_[at + static_cast<std::size_t>(i)].iov_len;
                }
                r.sent += static_cast<std::size_t>(sent);
                at += static_cast<std::size_t>(sent);
            } else if (sent < 0 && errno == EINTR) {
                continue;
            } else if (sent < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
                r.dropped += out.size() - at;  // the buffer is full: the rest is dropped
                return r;
            } else {
                ++at;  // this one failed (unreachable peer, say); go on with the next
                ++r.dropped;
            }
        }
        out = out.subspan(n);
    }
    return r;
}

bool datagram_batch::serve(int fd, std::size_t index, completion_handler& handler) {
    for (int round = 0; round < kRounds; ++round) {
        const int n = receive(fd);
        if (n <= 0) {
            return false;  // EAGAIN; other errors (ICMP reports) are not the echo's concern
        }
        handler.on_datagrams(index, received());
        const auto r = echo_marked(fd);
        handler.on_datagrams_sent(index, r.sent, r.dropped, r.sent_bytes);
        if (static_cast<std::size_t>(n) < kSlots) {
            return false;  // a short batch emptied the queue
        }
    }
    return true;
}

}  // namespace echo::io
