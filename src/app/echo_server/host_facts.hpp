// What the machine allows, read once at start-up.
#pragma once

namespace echo::app {

// CPUs this process may run on (respects taskset/cgroup cpusets); at least 1.
[[nodiscard]] unsigned usable_cpus() noexcept;
// net.core.somaxconn, the kernel's cap on any listen() backlog; 4096 if unreadable.
[[nodiscard]] int somaxconn() noexcept;

}  // namespace echo::app
