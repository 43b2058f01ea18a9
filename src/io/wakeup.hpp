// The cross-thread doorbell of an event loop: an eventfd another thread writes to
// and the loop's engine watches, so a stop request or a message wakes wait().
#pragma once

#include "net/unique_fd.hpp"

#include <cstdint>

namespace echo::io {

class wakeup {
public:
    // Throws net::setup_error when no eventfd can be made.
    wakeup();

    // Thread-safe and async-signal-safe.
    void ring() const noexcept;
    // Consumes pending rings so the fd stops being readable.
    void drain() const noexcept;
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }

private:
    net::unique_fd fd_;
};

}  // namespace echo::io
