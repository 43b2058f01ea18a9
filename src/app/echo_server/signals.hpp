// Signals arrive on a signalfd in the main thread only; the event loops never see
// them, so no handler runs in the middle of a loop's work.
#pragma once

#include "net/unique_fd.hpp"

namespace echo::app {

class signal_watch {
public:
    // Blocks SIGINT, SIGTERM, SIGHUP and SIGUSR1 for this thread and the threads it starts later,
    // and ignores SIGPIPE process-wide. Construct before starting workers.
    signal_watch();

    // Waits until one of those signals arrives (returns its number), `other_fd` becomes
    // readable (returns 0) or `timeout_ms` passes (returns -1; negative: no timeout).
    [[nodiscard]] int wait(int other_fd, int timeout_ms = -1);

private:
    net::unique_fd signals_;
};

}  // namespace echo::app
