// The datagrams a loop's faults hold back (delay, jitter, reorder, rate) until
// their send time: one structure per loop for every faulted udp listener, ordered
// by send time, bounded in count and bytes. No I/O: the loop takes what is due.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace echo::core {

// One held datagram: where it goes (the peer's sockaddr and the control messages
// it came with, which name the address to answer from) and what it says.
class held_datagram {
public:
    held_datagram() = default;
    held_datagram(std::size_t socket, std::int64_t send_at, std::uint64_t order, bool twice,
                  std::span<const std::byte> peer, std::span<const std::byte> control,
                  std::span<const std::byte> data);

    [[nodiscard]] std::size_t socket() const noexcept { return socket_; }
    [[nodiscard]] std::int64_t send_at() const noexcept { return send_at_; }
    [[nodiscard]] std::uint64_t order() const noexcept { return order_; }
    [[nodiscard]] bool twice() const noexcept { return twice_; }
    // Control first: the buffer's start is aligned for a cmsghdr.
    [[nodiscard]] std::span<const std::byte> control() const noexcept {
        return {bytes_.data(), control_len_};
    }
    [[nodiscard]] std::span<const std::byte> peer() const noexcept {
        return {bytes_.data() + control_len_, peer_len_};
    }
    [[nodiscard]] std::span<const std::byte> data() const noexcept {
        return std::span{bytes_}.subspan(control_len_ + peer_len_);
    }
    // What holding it costs: its bytes and its bookkeeping.
    [[nodiscard]] std::size_t cost() const noexcept { return bytes_.size() + sizeof(*this); }

private:
    std::vector<std::byte> bytes_;  // control, peer, data
    std::int64_t send_at_ = 0;
    std::uint64_t order_ = 0;
    std::size_t socket_ = 0;
    std::uint32_t control_len_ = 0;
    std::uint32_t peer_len_ = 0;
    bool twice_ = false;
};

// One per loop; not thread-safe. What one hostile source can take from the others:
// every slot, by sending into a long delay faster than it drains (a datagram over a
// cap is dropped and counted, never queued elsewhere), so a faulted listener's held
// datagrams cost at most kMaxBytes and kMaxCount per loop, whoever sends; the
// guard's per-source rate, when set, bounds one source's share.
class datagram_hold {
public:
    static constexpr std::size_t kMaxCount = 16384;
    static constexpr std::size_t kMaxBytes = 16 << 20;

    // Holds a copy until `send_at`; false (nothing held) when over a cap.
    [[nodiscard]] bool hold(std::size_t socket, std::int64_t send_at, bool twice,
                            std::span<const std::byte> peer, std::span<const std::byte> control,
                            std::span<const std::byte> data);
    [[nodiscard]] std::optional<std::int64_t> next_deadline() const noexcept;
    // Moves up to `max` datagrams due at `now` into `out` (cleared first), earliest
    // first; equal times leave in the order they were held.
    void take_due(std::int64_t now, std::size_t max, std::vector<held_datagram>& out);
    // Forgets everything held (the loop's sockets are closing).
    void clear() noexcept;

    [[nodiscard]] std::size_t count() const noexcept { return heap_.size(); }
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

private:
    std::vector<held_datagram> heap_;  // a min-heap on (send_at, order)
    std::size_t bytes_ = 0;
    std::uint64_t next_order_ = 0;
};

}  // namespace echo::core
