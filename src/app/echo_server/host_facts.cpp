// Reads from sched_getaffinity and /proc; no fallbacks beyond sane defaults.
#include "app/echo_server/host_facts.hpp"

#include <sched.h>

#include <fstream>

namespace echo::app {

unsigned usable_cpus() noexcept {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) != 0) {
        return 1;
    }
    const int n = CPU_COUNT(&set);
    return n > 0 ? static_cast<unsigned>(n) : 1U;
}

int somaxconn() noexcept {
    std::ifstream in{"/proc/sys/net/core/somaxconn"};
    int value = 0;
    if (in >> value && value > 0) {
        return value;
    }
    return 4096;
}

}  // namespace echo::app
