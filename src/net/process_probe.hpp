// Reads a process's CPU time and resident memory from /proc, for
// --server-pid: the server's cost per message, measured from outside it.
#pragma once

#include <cstdint>
#include <optional>

namespace echo::net {

struct process_sample {
    double cpu_seconds = 0;  // user + system, all threads
    std::uint64_t rss_bytes = 0;
};

// Nothing when the process is gone or /proc is unreadable.
[[nodiscard]] std::optional<process_sample> sample_process(int pid);

}  // namespace echo::net
