// RFC 864 chargen over a stream: the rotating pattern, for as long as the client
// reads, and whatever it sends dropped. Nothing is buffered: each send is a view
// of the shared pattern, and the next is offered only once the last one left, so
// a client that stops reading costs a position and an idle socket, no memory.
#pragma once

#include "pipeline/application.hpp"

namespace echo::services {

class chargen_application final : public pipeline::application {
public:
    // Bytes offered per loop turn. A send completes as fast as the socket drains,
    // so a client reading at loopback speed would otherwise keep the loop in one
    // connection; past this the application waits for the loop's timer phase, as
    // a reader yields at the engine's read budget (the same 64 KiB).
    static constexpr std::size_t kTurnBudget = 64 * 1024;

    void on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept override;
    void on_peer_eof(pipeline::time_ns /*now*/) noexcept override {}
    void on_timer(pipeline::time_ns now) noexcept override;
    void on_shutdown(pipeline::time_ns now) noexcept override;
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override;
    void on_sent(std::size_t n, pipeline::time_ns now) noexcept override;
    [[nodiscard]] bool wants_input() const noexcept override { return true; }
    [[nodiscard]] bool finished() const noexcept override { return stopping_ && !sending_; }
    [[nodiscard]] std::optional<pipeline::time_ns> wake_at() const noexcept override;
    [[nodiscard]] std::size_t held_chunks() const noexcept override { return 0; }
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override { return received_; }
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override { return sent_; }
    [[nodiscard]] std::string_view failure() const noexcept override {
        return stopping_ ? "server draining" : "";
    }

private:
    std::uint64_t sent_ = 0;  // also the position in the pattern
    std::uint64_t received_ = 0;
    std::size_t turn_sent_ = 0;
    pipeline::time_ns spent_at_ = 0;  // when this turn's budget ran out
    bool sending_ = false;
    bool stopping_ = false;
};

}  // namespace echo::services
