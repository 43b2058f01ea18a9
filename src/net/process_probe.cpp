// /proc/PID/stat fields 14 and 15 (utime, stime) in clock ticks; VmRSS in kB.
#include "net/process_probe.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace echo::net {

std::optional<process_sample> sample_process(int pid) {
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream stat{base + "/stat"};
    std::string line;
    if (!std::getline(stat, line)) {
        return std::nullopt;
    }
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    std::istringstream fields{line.substr(line.rfind(')') + 2)};
    std::string skip;
    for (int i = 3; i < 14; ++i) {
        fields >> skip;
    }
    unsigned long long utime = 0, stime = 0;
    fields >> utime >> stime;
    process_sample s;
    s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    std::ifstream status{base + "/status"};
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            s.rss_bytes = std::stoull(line.substr(6)) * 1024;
        }
    }
    return s;
}

}  // namespace echo::net
