// What one echo-bench run does, as plain data parsed from its command line.
#pragma once

#include "core/target_url.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace echo::loadgen {

struct bench_config {
    core::target_url target{"tcp", "127.0.0.1", 65432, "", false};
    unsigned conns = 1;
    std::vector<std::uint32_t> sizes{64};  // each message picks one, uniformly
    unsigned pipeline = 1;                 // closed loop: messages in flight per connection
    unsigned messages_per_conn = 0;        // closed loop: reconnect after this many; 0 = never
    double rate = 0;                       // open loop: messages/s in total; 0 = closed loop
    std::chrono::duration<double> duration = std::chrono::seconds{10};
    std::chrono::duration<double> warmup = std::chrono::seconds{1};
    std::chrono::duration<double> drain = std::chrono::seconds{10};
    std::chrono::duration<double> loss_timeout = std::chrono::seconds{1};  // UDP
    unsigned threads = 1;
    // Antagonists beside the measured connections, kept out of their figures:
    unsigned streamers = 0;                    // closed loop, one big block in flight each
    std::uint32_t streamer_size = 1u << 20;    // bytes per streamer block
    unsigned hogs = 0;                         // send until the send buffer is full, never read
    double connect_rate = 0;  // connections/s; 0 = as fast as they complete
    std::optional<int> server_pid;
    bool json = false;
    bool live = false;  // the once-a-second line, on by default on a terminal
    std::string command_line;
};

}  // namespace echo::loadgen
