// The client side of one echo connection, without syscalls: the messages sent and
// not yet echoed, what to write next, and the check of every echoed byte against
// what was sent, in order.
#pragma once

#include "core/message_pattern.hpp"

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace echo::core {

class echo_expectation {
public:
    struct completion {
        std::uint64_t seq;
        std::uint32_t size;
        std::int64_t sent_ns;  // what push() was given: send or intended-send time
    };
    struct verdict {
        bool ok = true;
        std::string problem;  // set when !ok: which message, which byte
    };

    // `keep` is ANDed into every expected byte: 0x7f when the bytes were sent in their
    // 7-bit form (WebSocket text must be UTF-8).
    echo_expectation(const message_pattern& pattern, std::uint32_t conn,
                     std::byte keep = std::byte{0xff}) noexcept
        : pattern_(&pattern), conn_(conn), keep_(keep) {}

    // Queues message `seq` of `size` bytes (>= 1) for sending.
    void push(std::uint64_t seq, std::uint32_t size, std::int64_t sent_ns);

    // Fills `out` with up to out.size() spans of the bytes to write next, in order;
    // returns how many. They stay valid until the next push().
    [[nodiscard]] std::size_t next_to_send(std::span<std::span<const std::byte>> out) const noexcept;
    // `n` bytes of what next_to_send() offered were written.
    void on_sent(std::size_t n) noexcept;

    // Checks received bytes; calls done(completion) for each message fully echoed.
    template <class Done>
    verdict on_received(std::span<const std::byte> got, Done&& done);

    // The oldest message counts as echoed without its bytes being looked at: the peer
    // answered it in another way (an HTTP status-only check). Needs in_flight() > 0.
    template <class Done>
    void answer_front(Done&& done);

    [[nodiscard]] std::size_t in_flight() const noexcept { return pushed_ - popped_; }
    // Bytes still to come of the oldest message, 0 when none is owed; and whether
    // some of it came already. A framed echo (a WebSocket message, an HTTP body) must
    // start at a message's start and end at its end.
    [[nodiscard]] std::size_t front_left() const noexcept {
        return in_flight() > 0 ? at(popped_).id.size - recv_offset_ : 0;
    }
    [[nodiscard]] bool front_started() const noexcept { return recv_offset_ > 0; }
    [[nodiscard]] bool all_sent() const noexcept { return send_index_ == pushed_; }

private:
    struct entry {
        message_id id;
        message_header header;
        std::int64_t sent_ns;
    };
    [[nodiscard]] entry& at(std::uint64_t i) noexcept { return ring_[i & (ring_.size() - 1)]; }
    [[nodiscard]] const entry& at(std::uint64_t i) const noexcept {
        return ring_[i & (ring_.size() - 1)];
    }
    verdict check_front(std::span<const std::byte> part);

    const message_pattern* pattern_;
    std::uint32_t conn_;
    std::byte keep_;
    std::vector<entry> ring_;  // power-of-two size; grows, never per message
    std::uint64_t pushed_ = 0;
    std::uint64_t popped_ = 0;
    std::uint64_t send_index_ = 0;  // absolute index of the message being written
    std::size_t send_offset_ = 0;
    std::size_t recv_offset_ = 0;   // into the oldest message, at(popped_)
    std::uint64_t sent_bytes_ = 0;
    std::uint64_t received_bytes_ = 0;
};

template <class Done>
echo_expectation::verdict echo_expectation::on_received(std::span<const std::byte> got,
                                                        Done&& done) {
    if (received_bytes_ + got.size() > sent_bytes_) {
        return {false, "received " + std::to_string(received_bytes_ + got.size() - sent_bytes_) +
                           " bytes more than were sent"};
    }
    received_bytes_ += got.size();
    while (!got.empty()) {
        const entry& e = at(popped_);
        const std::size_t n = std::min<std::size_t>(got.size(), e.id.size - recv_offset_);
        verdict v = check_front(got.first(n));
        if (!v.ok) {
            return v;
        }
        recv_offset_ += n;
        got = got.subspan(n);
        if (recv_offset_ == e.id.size) {
            const completion c{e.id.seq, e.id.size, e.sent_ns};
            ++popped_;
            recv_offset_ = 0;
            done(c);
        }
    }
    return {};
}

template <class Done>
void echo_expectation::answer_front(Done&& done) {
    const entry& e = at(popped_);
    received_bytes_ += e.id.size - recv_offset_;
    const completion c{e.id.seq, e.id.size, e.sent_ns};
    ++popped_;
    recv_offset_ = 0;
    done(c);
}

}  // namespace echo::core
