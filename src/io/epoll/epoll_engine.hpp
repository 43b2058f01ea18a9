// The epoll engine: edge-triggered, each socket registered once, so a message
// costs a read and a write and no epoll_ctl.
#pragma once

#include "io/engine.hpp"

#include <cstdint>
#include <memory>

namespace echo::io {

struct epoll_engine_options {
    std::uint32_t chunk_size = 16 * 1024;  // bytes per read
    std::size_t max_idle_chunks = 16;      // pooled per thread beyond live ones
};

// Throws net::setup_error when epoll or eventfd cannot be created.
[[nodiscard]] std::unique_ptr<engine> make_epoll_engine(const epoll_engine_options& options);

}  // namespace echo::io
