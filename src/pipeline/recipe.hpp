// What a listener puts between its sockets and the echo: the stages to build for
// each connection it accepts, and how long they may take to open.
#pragma once

#include "core/chunk_pool.hpp"
#include "pipeline/chain.hpp"
#include "pipeline/chain_observer.hpp"

#include <chrono>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

namespace echo::pipeline {

// Makes one kind of stage. Shared by every loop: make() is thread-safe.
class stage_factory {
public:
    virtual ~stage_factory() = default;
    // Null when the stage cannot be made now (out of memory): that connection
    // is refused, nobody else notices.
    [[nodiscard]] virtual std::unique_ptr<stage> make(core::chunk_pool& pool) const noexcept = 0;
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
};

struct recipe {
    std::vector<std::shared_ptr<const stage_factory>> stages;  // wire side first
    // A connection whose stages are not all open by then is closed: a handshake
    // costs memory, and a peer that stalls one must not keep it.
    std::chrono::milliseconds opening_timeout{10'000};
    std::shared_ptr<chain_observer> observer;  // may be null
    // Per loop and peer address (IPv6 by --ipv6-prefix-len), connections whose
    // stages are still opening; more are refused at accept. A stalled handshake
    // holds tens of KiB, so without it one address could pin memory by the GiB.
    std::uint32_t max_opening_per_address = 64;  // 0: no cap

    // Null when a stage could not be made.
    [[nodiscard]] std::unique_ptr<chain> make(core::chunk_pool& pool) const noexcept {
        try {
            std::vector<std::unique_ptr<stage>> made;
            made.reserve(stages.size());
            for (const auto& f : stages) {
                auto s = f->make(pool);
                if (!s) {
                    return nullptr;
                }
                made.push_back(std::move(s));
            }
            return std::make_unique<chain>(std::move(made));
        } catch (const std::bad_alloc&) {
            return nullptr;
        }
    }
};

}  // namespace echo::pipeline
