// A binary heap over a vector: O(log n) to hold and to take, one allocation per
// held datagram (its bytes), none per timer: the loop's one wait covers them all.
#include "core/datagram_hold.hpp"

#include <algorithm>
#include <cstring>

namespace echo::core {

namespace {

// std::push_heap builds a max-heap; "later" first-is-less makes the earliest the top.
bool later(const held_datagram& a, const held_datagram& b) noexcept {
    return a.send_at() != b.send_at() ? a.send_at() > b.send_at() : a.order() > b.order();
}

}  // namespace

held_datagram::held_datagram(std::size_t socket, std::int64_t send_at, std::uint64_t order,
                             bool twice, std::span<const std::byte> peer,
                             std::span<const std::byte> control, std::span<const std::byte> data)
    : bytes_(control.size() + peer.size() + data.size()),
      send_at_(send_at),
      order_(order),
      socket_(socket),
      control_len_(static_cast<std::uint32_t>(control.size())),
      peer_len_(static_cast<std::uint32_t>(peer.size())),
      twice_(twice) {
    auto* at = bytes_.data();
    for (const auto part : {control, peer, data}) {
        if (!part.empty()) {
            std::memcpy(at, part.data(), part.size());
            at += part.size();
        }
    }
}

bool datagram_hold::hold(std::size_t socket, std::int64_t send_at, bool twice,
                         std::span<const std::byte> peer, std::span<const std::byte> control,
                         std::span<const std::byte> data) {
    const std::size_t cost = sizeof(held_datagram) + peer.size() + control.size() + data.size();
    if (heap_.size() == kMaxCount || bytes_ + cost > kMaxBytes) {
        return false;
    }
    heap_.emplace_back(socket, send_at, next_order_++, twice, peer, control, data);
    std::push_heap(heap_.begin(), heap_.end(), later);
    bytes_ += cost;
    return true;
}

std::optional<std::int64_t> datagram_hold::next_deadline() const noexcept {
    if (heap_.empty()) {
        return std::nullopt;
    }
    return heap_.front().send_at();
}

void datagram_hold::take_due(std::int64_t now, std::size_t max, std::vector<held_datagram>& out) {
    out.clear();
    while (out.size() < max && !heap_.empty() && heap_.front().send_at() <= now) {
        std::pop_heap(heap_.begin(), heap_.end(), later);
        bytes_ -= heap_.back().cost();
        out.push_back(std::move(heap_.back()));
        heap_.pop_back();
    }
}

void datagram_hold::clear() noexcept {
    heap_.clear();
    bytes_ = 0;
}

}  // namespace echo::core
