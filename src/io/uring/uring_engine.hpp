// The io_uring engine: multishot accept, multishot receive into a per-thread ring of
// provided buffers (an idle connection holds none), sends kept one at a time per
// connection, one io_uring_enter per loop turn.
#pragma once

#include "io/engine.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace echo::io {

struct uring_engine_options {
    std::uint32_t chunk_size = 16 * 1024;  // bytes per provided buffer
    std::uint32_t buffers = 256;           // provided buffers per thread, a power of two
    std::uint32_t initial_buffers = 32;    // provided at start; more as load needs them
    std::uint32_t sq_entries = 1024;       // submission queue size (small in tests)
};

// Why io_uring cannot be used here (kernel, kernel.io_uring_disabled, seccomp), or
// nothing when it can. Setting ECHO_SERVER_DISABLE_IO_URING to a reason makes it fail
// with that reason, so the fallback can be tested on any kernel.
[[nodiscard]] std::optional<std::string> uring_unavailable();

// Throws net::setup_error naming the failing call.
[[nodiscard]] std::unique_ptr<engine> make_uring_engine(const uring_engine_options& options);

}  // namespace echo::io
