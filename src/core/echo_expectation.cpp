// Absolute indices (pushed_, popped_, send_index_) over a power-of-two ring: a
// message's slot is its index masked, so growing only re-spreads live entries.
#include "core/echo_expectation.hpp"

#include "core/ring_growth.hpp"

namespace echo::core {

void echo_expectation::push(std::uint64_t seq, std::uint32_t size, std::int64_t sent_ns) {
    if (pushed_ - popped_ == ring_.size()) {
        grow_ring(ring_, popped_, pushed_, 4);
    }
    const message_id id{conn_, seq, size};
    at(pushed_) = entry{id, message_pattern::header(id), sent_ns};
    ++pushed_;
}

std::size_t echo_expectation::next_to_send(
    std::span<std::span<const std::byte>> out) const noexcept {
    std::size_t used = 0;
    std::size_t offset = send_offset_;
    for (std::uint64_t i = send_index_; i < pushed_ && used < out.size(); ++i, offset = 0) {
        const entry& e = at(i);
        const std::size_t hlen = message_pattern::header_length(e.id);
        if (offset < hlen) {
            out[used++] = std::span<const std::byte>{e.header}.subspan(offset, hlen - offset);
            offset = hlen;
        }
        const auto body = pattern_->body(e.id);
        if (used < out.size() && offset - hlen < body.size()) {
            out[used++] = body.subspan(offset - hlen);
        }
    }
    return used;
}

void echo_expectation::on_sent(std::size_t n) noexcept {
    sent_bytes_ += n;
    while (n > 0) {
        const std::size_t left = at(send_index_).id.size - send_offset_;
        if (n < left) {
            send_offset_ += n;
            return;
        }
        n -= left;
        ++send_index_;
        send_offset_ = 0;
    }
}

echo_expectation::verdict echo_expectation::check_front(std::span<const std::byte> part) {
    const entry& e = at(popped_);
    const std::size_t bad = pattern_->first_mismatch(e.id, e.header, recv_offset_, part, keep_);
    if (bad == part.size()) {
        return {};
    }
    return {false, "mismatch in connection " + std::to_string(conn_) + " message " +
                       std::to_string(e.id.seq) + " (" + std::to_string(e.id.size) +
                       " bytes) at byte " + std::to_string(recv_offset_ + bad)};
}

}  // namespace echo::core
