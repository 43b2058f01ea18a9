// Only the front chunk is ever being sent; a chunk is recycled as soon as its last
// byte has left, which is what keeps memory bounded by the chunks held.
#include "core/echo_stream.hpp"

#include <utility>

namespace echo::core {

void echo_stream::on_received(chunk_ptr c) noexcept {
    if (c && c->size() > 0) {
        pending_.push_back(std::move(c));
    }
}

std::span<const std::byte> echo_stream::begin_send() noexcept {
    if (send_in_flight_ || pending_.empty()) {
        return {};
    }
    send_in_flight_ = true;
    return pending_.front()->payload();
}

void echo_stream::on_sent(std::size_t n) noexcept {
    send_in_flight_ = false;
    echoed_ += n;
    pending_.consume_front(n);
    if (pending_.front()->size() == 0) {
        (void)pending_.pop_front();
    }
}

}  // namespace echo::core
