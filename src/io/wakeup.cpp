// eventfd counts rings, so many rings before the loop wakes cost one wake-up.
#include "io/wakeup.hpp"

#include "net/setup_error.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace echo::io {

wakeup::wakeup() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!fd_) {
        throw net::setup_error("eventfd: " + net::errno_text(errno));
    }
}

void wakeup::ring() const noexcept {
    const std::uint64_t one = 1;
    // Fails only when the counter would overflow: the loop is then awake anyway.
    [[maybe_unused]] const ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

void wakeup::drain() const noexcept {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(fd_.get(), &count, sizeof count);
}

}  // namespace echo::io
