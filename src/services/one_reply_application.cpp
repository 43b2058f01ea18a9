// Partial sends are resumed where they stopped; the reply is the application's
// own copy, so nothing it lent can change under a send in flight.
#include "services/one_reply_application.hpp"

#include <algorithm>

namespace echo::services {

one_reply_application::one_reply_application(std::span<const std::byte> reply) noexcept
    : size_(std::min(reply.size(), kMaxReply)) {
    std::copy_n(reply.begin(), size_, reply_.begin());
}

void one_reply_application::on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept {
    now_ = now;
    received_ += bytes->size();
    if (said_all()) {
        after_reply_ += bytes->size();
    }
}

std::span<const std::byte> one_reply_application::begin_send() noexcept {
    if (sending_ || sent_ == size_) {
        return {};
    }
    sending_ = true;
    return std::span{reply_}.subspan(sent_, size_ - sent_);
}

void one_reply_application::on_sent(std::size_t n, pipeline::time_ns now) noexcept {
    now_ = now;
    sending_ = false;
    sent_ += std::min(n, size_ - sent_);
    if (sent_ == size_) {
        said_at_ = now;
    }
}

bool one_reply_application::finished() const noexcept {
    return said_all() &&
           (peer_eof_ || after_reply_ >= kLingerBytes || now_ >= said_at_ + kLingerNs);
}

std::optional<pipeline::time_ns> one_reply_application::wake_at() const noexcept {
    if (said_all() && !finished()) {
        return said_at_ + kLingerNs;
    }
    return std::nullopt;
}

}  // namespace echo::services
