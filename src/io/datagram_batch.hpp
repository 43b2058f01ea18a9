// recvmmsg/sendmmsg for both engines: one syscall receives up to kSlots datagrams
// into fixed slots, one more echoes those the handler marked, each from the address
// it was sent to.
#pragma once

#include "io/engine.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <memory>

namespace echo::io {

class datagram_batch {
public:
    static constexpr std::size_t kSlots = 32;
    static constexpr std::size_t kSlotBytes = 65536;  // the largest UDP payload fits

    datagram_batch();

    // Receives what is queued on `fd` (up to kSlots); returns how many, or -errno.
    int receive(int fd) noexcept;
    // The datagrams of the last receive(), for the handler to mark.
    [[nodiscard]] std::span<datagram> received() noexcept { return {views_.data(), count_}; }
    using send_result = datagram_send_result;
    // Sends the marked datagrams back to their peers (twice those so marked)
    // without ever waiting.
    send_result echo_marked(int fd) noexcept;
    // Sends `out` on `fd`, in order, without ever waiting.
    send_result send(int fd, std::span<const outgoing_datagram> out) noexcept;

    // One wake-up's worth of echo on socket `fd` (known to the handler as `index`):
    // receive, let the handler mark, send back, report; up to kRounds batches, so
    // one busy socket cannot starve the rest of the loop. True when it stopped on
    // that budget and more may be queued: a readiness that fires only on new
    // arrivals (io_uring's multishot poll) will not say so again.
    bool serve(int fd, std::size_t index, completion_handler& handler);
    static constexpr int kRounds = 8;

private:
    // Slots are allocated untouched: a page is resident only once a datagram
    // that large arrived.
    std::unique_ptr<std::byte[]> slots_;
    std::array<mmsghdr, kSlots> in_{};
    std::array<mmsghdr, kSlots> out_{};
    std::array<iovec, kSlots> in_iov_{};
    std::array<iovec, kSlots> out_iov_{};
    std::array<sockaddr_storage, kSlots> peers_{};
    // Per slot: the control message received (the destination address, when the
    // socket asked for IP_PKTINFO or IPV6_RECVPKTINFO) and the one the reply carries.
    // Room for one in6_pktinfo, the larger of the two; fixed, never allocated.
    struct alignas(cmsghdr) control_buffer {
        std::byte bytes[CMSG_SPACE(sizeof(in6_pktinfo))];
    };
    std::array<control_buffer, kSlots> in_control_{};
    std::array<control_buffer, kSlots> out_control_{};
    std::array<datagram, kSlots> views_{};
    // The marked datagrams as send() takes them: up to two per slot.
    std::array<outgoing_datagram, 2 * kSlots> marked_{};
    std::size_t count_ = 0;
};

}  // namespace echo::io
