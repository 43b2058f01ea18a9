// A service that says one thing as the connection opens and closes once it is
// sent, dropping whatever the client sends: RFC 867 daytime and RFC 868 time.
#pragma once

#include "pipeline/application.hpp"

#include <array>
#include <cstddef>
#include <span>

namespace echo::services {

class one_reply_application final : public pipeline::application {
public:
    static constexpr std::size_t kMaxReply = 64;

    // `reply` is copied (at most kMaxReply bytes).
    explicit one_reply_application(std::span<const std::byte> reply) noexcept;

    void on_received(core::chunk_ptr bytes, pipeline::time_ns /*now*/) noexcept override {
        received_ += bytes->size();
    }
    void on_peer_eof(pipeline::time_ns /*now*/) noexcept override {}
    void on_timer(pipeline::time_ns /*now*/) noexcept override {}
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override;
    void on_sent(std::size_t n, pipeline::time_ns /*now*/) noexcept override;
    [[nodiscard]] bool wants_input() const noexcept override { return true; }
    [[nodiscard]] bool finished() const noexcept override { return sent_ == size_ && !sending_; }
    [[nodiscard]] std::optional<pipeline::time_ns> wake_at() const noexcept override { return {}; }
    [[nodiscard]] std::size_t held_chunks() const noexcept override { return 0; }
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override { return received_; }
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override { return sent_; }
    [[nodiscard]] std::string_view failure() const noexcept override {
        return finished() ? "reply sent" : "";
    }

private:
    std::array<std::byte, kMaxReply> reply_{};
    std::size_t size_ = 0;
    std::size_t sent_ = 0;
    std::uint64_t received_ = 0;
    bool sending_ = false;
};

}  // namespace echo::services
