// io_uring first: its multishot accept and receive cost fewer syscalls per message;
// epoll runs everywhere, so it is the fallback and never passed over.
#include "server/engine_choice.hpp"

#include "io/epoll/epoll_engine.hpp"
#include "io/uring/uring_engine.hpp"
#include "net/setup_error.hpp"

namespace echo::server {

engine_choice engine_choice::choose(core::engine_choice wanted) {
    engine_choice c;
    if (wanted == core::engine_choice::epoll) {
        return c;
    }
    auto why = io::uring_unavailable();
    if (wanted == core::engine_choice::io_uring && why) {
        throw net::setup_error("--engine io_uring: " + *why);
    }
    c.uring_ = !why;
    if (why) {
        c.passed_over_.push_back({"io_uring", *why});
    }
    return c;
}

std::unique_ptr<io::engine> engine_choice::make(std::uint32_t chunk_size) const {
    if (uring_) {
        return io::make_uring_engine({.chunk_size = chunk_size, .buffers = 256});
    }
    return io::make_epoll_engine({.chunk_size = chunk_size, .max_idle_chunks = 16});
}

}  // namespace echo::server
