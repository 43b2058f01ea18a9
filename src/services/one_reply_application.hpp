// A service that says one thing as the connection opens and closes once it is
// sent, dropping whatever the client sends: RFC 867 daytime and RFC 868 time.
#pragma once

#include "pipeline/application.hpp"

#include <array>
#include <cstddef>
#include <span>

namespace echo::services {

// After the reply it ends its sending side and reads the client's bytes away until
// their EOF, so the close finds none unread (unread bytes make the kernel answer
// the close with a reset, and the client may lose the reply to it). A client that
// neither stops sending nor closes is cut off at kLingerBytes or kLingerNs, the
// most a connection holds its descriptor after its reply: nothing is kept.
class one_reply_application final : public pipeline::application {
public:
    static constexpr std::size_t kMaxReply = 64;
    static constexpr std::uint64_t kLingerBytes = 64 * 1024;
    static constexpr pipeline::time_ns kLingerNs = 2'000'000'000;

    // `reply` is copied (at most kMaxReply bytes).
    explicit one_reply_application(std::span<const std::byte> reply) noexcept;

    void on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept override;
    void on_peer_eof(pipeline::time_ns /*now*/) noexcept override { peer_eof_ = true; }
    void on_timer(pipeline::time_ns now) noexcept override { now_ = now; }
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override;
    void on_sent(std::size_t n, pipeline::time_ns now) noexcept override;
    [[nodiscard]] bool wants_input() const noexcept override { return true; }
    [[nodiscard]] bool said_all() const noexcept override { return sent_ == size_ && !sending_; }
    [[nodiscard]] bool finished() const noexcept override;
    [[nodiscard]] std::optional<pipeline::time_ns> wake_at() const noexcept override;
    [[nodiscard]] std::size_t held_chunks() const noexcept override { return 0; }
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override { return received_; }
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override { return sent_; }
    // The connection ends for the service's reason, the client's EOF or not.
    [[nodiscard]] std::string_view failure() const noexcept override {
        return said_all() ? "reply sent" : "";
    }

private:
    std::array<std::byte, kMaxReply> reply_{};
    std::size_t size_ = 0;
    std::size_t sent_ = 0;
    std::uint64_t received_ = 0;
    std::uint64_t after_reply_ = 0;  // bytes read away since the reply left
    pipeline::time_ns now_ = 0;
    pipeline::time_ns said_at_ = 0;  // when the reply's last byte left
    bool sending_ = false;
    bool peer_eof_ = false;
};

}  // namespace echo::services
