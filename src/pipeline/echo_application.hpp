// The raw echo as an application, for connections whose stages (TLS, PROXY) sit
// between the socket and the echo. Connections without stages keep the worker's
// own echo_stream path, which makes no virtual call.
#pragma once

#include "core/echo_stream.hpp"
#include "pipeline/application.hpp"

namespace echo::pipeline {

class echo_application final : public application {
public:
    void on_received(core::chunk_ptr bytes, time_ns /*now*/) noexcept override {
        stream_.on_received(std::move(bytes));
    }
    void on_peer_eof(time_ns /*now*/) noexcept override { stream_.on_peer_eof(); }
    void on_timer(time_ns /*now*/) noexcept override {}
    [[nodiscard]] std::span<const std::byte> begin_send() noexcept override {
        return stream_.begin_send();
    }
    void on_sent(std::size_t n, time_ns /*now*/) noexcept override { stream_.on_sent(n); }
    // The worker's bound on held chunks is the echo's only limit.
    [[nodiscard]] bool wants_input() const noexcept override { return true; }
    [[nodiscard]] bool finished() const noexcept override { return stream_.finished(); }
    [[nodiscard]] std::optional<time_ns> wake_at() const noexcept override { return {}; }
    [[nodiscard]] std::size_t held_chunks() const noexcept override {
        return stream_.held_chunks();
    }
    [[nodiscard]] std::uint64_t bytes_received() const noexcept override {
        return stream_.bytes_received();
    }
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept override {
        return stream_.bytes_echoed();
    }
    [[nodiscard]] core::echo_stream* raw_echo() noexcept override { return &stream_; }

private:
    core::echo_stream stream_;
};

class echo_application_factory final : public application_factory {
public:
    [[nodiscard]] std::unique_ptr<application> make(const app_context& /*context*/) const
        noexcept override {
        return std::unique_ptr<application>{new (std::nothrow) echo_application};
    }
    [[nodiscard]] bool wants_context() const noexcept override { return false; }
};

}  // namespace echo::pipeline
