// A udp listener's fault spec as the admin API swaps it and every loop reads it:
// one pointer and a version number, so a loop looks at the version once per batch
// (one atomic load) and takes the new spec only after a change.
#pragma once

#include "core/datagram_faults.hpp"
#include "core/locked_shared.hpp"

#include <atomic>
#include <cstdint>
#include <memory>

namespace echo::core {

// Thread-safe.
class datagram_fault_switch {
public:
    explicit datagram_fault_switch(std::shared_ptr<const datagram_faults> faults)
        : faults_(std::move(faults)) {}

    // null: no faults.
    void replace(std::shared_ptr<const datagram_faults> faults) {
        faults_.store(std::move(faults));
        version_.fetch_add(1, std::memory_order_release);
    }
    [[nodiscard]] std::shared_ptr<const datagram_faults> faults() const {
        return faults_.load();
    }
    [[nodiscard]] std::uint64_t version() const noexcept {
        return version_.load(std::memory_order_acquire);
    }

private:
    locked_shared<const datagram_faults> faults_;
    std::atomic<std::uint64_t> version_{0};
};

}  // namespace echo::core
