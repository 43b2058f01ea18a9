// RFC 863 discard over a stream: every byte is read and dropped at once, so a
// connection holds no buffer however fast its client sends (the engine's read
// budget bounds what one client takes of a loop turn).
#pragma once

#include "pipeline/application.hpp"

namespace echo::services {

class discard_application final : public pipeline::application {
public:
    void on_received(core::chunk_ptr bytes, pipeline::time_ns /*now*/) noexcept override {
        received_ += bytes->size();
    }
    void on_peer_eof(pipeline::time_ns /*now*/) noexcept override { ended_ = true; }
    void on_timer(pipeline::time_ns /*now*/) noexcept override {}
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override { return {}; }
    void on_sent(std::size_t /*n*/, pipeline::time_ns /*now*/) noexcept override {}
    [[nodiscard]] bool wants_input() const noexcept override { return true; }
    [[nodiscard]] bool finished() const noexcept override { return ended_; }
    [[nodiscard]] std::optional<pipeline::time_ns> wake_at() const noexcept override { return {}; }
    [[nodiscard]] std::size_t held_chunks() const noexcept override { return 0; }
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override { return received_; }
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override { return 0; }

private:
    std::uint64_t received_ = 0;
    bool ended_ = false;
};

}  // namespace echo::services
