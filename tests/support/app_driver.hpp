// Drives a pipeline::application as the worker would, without sockets: client
// bytes in pool chunks, sends taken at most `send_limit` bytes at a time. Shared
// by the HTTP, HTTP/2 and WebSocket application tests.
#pragma once

#include "core/chunk_pool.hpp"
#include "core/log_event.hpp"
#include "pipeline/application.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace echo::testing {

class counting_log final : public pipeline::app_log {
public:
    bool wants_info() const noexcept override { return true; }
    bool structured() const noexcept override { return true; }
    void info(const core::log_event& event, std::string_view) override {
        ++lines;
        last_reason = std::string{event.reason};
        last_bytes_out = event.bytes_out.value_or(0);
    }
    int lines = 0;
    std::string last_reason;
    std::uint64_t last_bytes_out = 0;
};

// Declare it before the application: its pool must outlive the chunks the
// application still holds when it is destroyed.
class app_driver {
public:
    explicit app_driver(std::size_t send_limit = SIZE_MAX, std::uint32_t chunk_size = 64)
        : send_limit_(send_limit), pool_(chunk_size, 4) {}

    // Gives `bytes` to the application in chunks of the pool's size, draining its
    // output after each.
    void feed(pipeline::application& app, std::string_view bytes, pipeline::time_ns now = 0);
    // The same without draining: a peer whose echoes wait (a send in flight).
    void give(pipeline::application& app, std::string_view bytes, pipeline::time_ns now = 0);
    // Takes what the application sends until it has nothing more to say.
    void drain(pipeline::application& app, pipeline::time_ns now = 0);

    std::string out;  // every byte sent, in order

private:
    std::size_t send_limit_;
    bool send_each_ = false;
    core::chunk_pool pool_;
};

}  // namespace echo::testing
