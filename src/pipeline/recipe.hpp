// What a listener puts between its sockets and its application: the stages to
// build for each connection it accepts, how long each may take to open, and the
// application the bytes then reach (none: the raw echo).
#pragma once

#include "core/chunk_pool.hpp"
#include "core/peer_address.hpp"
#include "pipeline/application.hpp"
#include "pipeline/chain.hpp"
#include "pipeline/chain_observer.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <vector>

namespace echo::pipeline {

// Makes one kind of stage. Shared by every loop: make() is thread-safe.
class stage_factory {
public:
    virtual ~stage_factory() = default;
    // A stage for a connection from `peer` (none: a Unix peer). Null when the stage
    // cannot be made now (out of memory): that connection is refused, nobody else
    // notices.
    [[nodiscard]] virtual std::unique_ptr<stage> make(
        core::chunk_pool& pool, const std::optional<core::peer_address>& peer) const noexcept = 0;
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    // A stage still opening this long after the one below it opened (after the
    // accept, for the first) is closed: opening costs memory, and a peer that
    // stalls must not keep it.
    [[nodiscard]] virtual std::chrono::milliseconds opening_timeout() const noexcept = 0;
    // Whether a connection from `peer` names its client through this stage (a PROXY
    // header): the per-address limits then wait for that name.
    [[nodiscard]] virtual bool names_client(
        const std::optional<core::peer_address>& /*peer*/) const noexcept {
        return false;
    }
    // Whether `peer` is a listed balancer: it stands for many clients, so its
    // connections are not capped per address while their header is on its way
    // (the header's deadline and size still bound them).
    [[nodiscard]] virtual bool trusts(
        const std::optional<core::peer_address>& /*peer*/) const noexcept {
        return false;
    }
};

struct recipe {
    std::vector<std::shared_ptr<const stage_factory>> stages;  // wire side first; may be empty
    // Null: the raw echo (through pipeline::echo_application when there are stages).
    std::shared_ptr<const application_factory> application;
    std::vector<std::shared_ptr<chain_observer>> observers;
    // Per loop and client address (IPv6 by --ipv6-prefix-len), connections whose
    // stages are still opening; more are refused. A stalled handshake holds tens
    // of KiB, so without it one address could pin memory by the GiB.
    std::uint32_t max_opening_per_address = 64;  // 0: no cap

    // Null when a stage could not be made. Only for a recipe with stages.
    [[nodiscard]] std::unique_ptr<chain> make(
        core::chunk_pool& pool, const std::optional<core::peer_address>& peer) const noexcept {
        try {
            std::vector<std::unique_ptr<stage>> made;
            made.reserve(stages.size());
            for (const auto& f : stages) {
                auto s = f->make(pool, peer);
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

    [[nodiscard]] bool names_client(const std::optional<core::peer_address>& peer) const noexcept {
        return std::any_of(stages.begin(), stages.end(),
                           [&peer](const auto& f) { return f->names_client(peer); });
    }
    [[nodiscard]] bool trusts(const std::optional<core::peer_address>& peer) const noexcept {
        return std::any_of(stages.begin(), stages.end(),
                           [&peer](const auto& f) { return f->trusts(peer); });
    }
};

}  // namespace echo::pipeline
