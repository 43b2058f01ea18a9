// The hogs: connections that send until their socket's send buffer is full and never
// read, held open for the whole run. They stand for the clients a server must not let
// pin its memory or its loop while others wait.
#pragma once

#include "loadgen/target_address.hpp"
#include "net/unique_fd.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace echo::loadgen {

struct hog_tally {
    unsigned wanted = 0;
    unsigned opened = 0;            // connected and filled until send would block
    unsigned failed = 0;            // connect or send failed, or not full by the deadline
    unsigned closed_by_server = 0;  // found closed or reset when the run ended
    std::uint64_t bytes = 0;        // pushed in total
    std::string first_error;
};

// Used by one thread (run_bench's): opened before the measured connections, so
// those connect while the hogs already hold their buffers.
class hog_pool {
public:
    hog_pool(const target_address& target, unsigned count);

    // Connects every hog and sends on each until send would block; returns when all
    // are full or failed, or at `deadline_ns` (steady clock), whichever comes first.
    void open_and_fill(std::int64_t deadline_ns);
    // Counts the hogs the server has closed meanwhile, then closes them all.
    [[nodiscard]] hog_tally close_all();

private:
    struct hog {
        net::unique_fd fd;
        bool full = false;
    };
    void fill(hog& h);
    void fail(hog& h, const std::string& what);

    target_address target_;
    net::unique_fd epoll_;
    std::vector<hog> hogs_;
    hog_tally tally_;
};

}  // namespace echo::loadgen
