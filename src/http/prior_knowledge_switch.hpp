// A cleartext HTTP connection's first application: it reads just enough of the
// first bytes to tell HTTP/2's prior-knowledge preface from an HTTP/1.x request,
// then makes that application, gives it those bytes, and forwards to it.
#pragma once

#include "core/chunk_list.hpp"
#include "http/http_echo_app.hpp"

#include <memory>

namespace echo::http {

// Holds at most the chunks that carried the preface's 24 bytes, and only until
// they match or not, or request_timeout passes (then HTTP/1.x has the bytes and
// its 408); after that it holds nothing of its own.
class prior_knowledge_switch final : public pipeline::application {
public:
    prior_knowledge_switch(std::shared_ptr<const http_echo_config> config,
                           const pipeline::app_context& context);

    void on_received(core::chunk_ptr bytes, pipeline::time_ns now) noexcept override;
    void on_peer_eof(pipeline::time_ns now) noexcept override;
    void on_timer(pipeline::time_ns now) noexcept override;
    void on_shutdown(pipeline::time_ns now) noexcept override;
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override;
    void on_sent(std::size_t n, pipeline::time_ns now) noexcept override;
    [[nodiscard]] bool wants_input() const noexcept override;
    [[nodiscard]] bool finished() const noexcept override;
    [[nodiscard]] std::optional<pipeline::time_ns> wake_at() const noexcept override;
    [[nodiscard]] std::size_t held_chunks() const noexcept override;
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override;
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override;
    [[nodiscard]] std::string_view failure() const noexcept override;

    // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (RFC 9113 3.4).
    static constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

private:
    void choose(bool h2, pipeline::time_ns now) noexcept;

    std::shared_ptr<const http_echo_config> config_;
    pipeline::app_context context_;
    core::chunk_list held_;
    std::size_t matched_ = 0;  // bytes of kPreface seen so far
    std::uint64_t received_ = 0;
    pipeline::time_ns deadline_;
    std::unique_ptr<pipeline::application> next_;
    bool out_of_memory_ = false;
};

}  // namespace echo::http
