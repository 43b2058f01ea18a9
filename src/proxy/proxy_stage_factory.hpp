// Makes the PROXY stage for each connection of one listener, reading a header from
// the sources its settings name.
#pragma once

#include "core/proxy_settings.hpp"
#include "pipeline/recipe.hpp"

namespace echo::proxy {

class proxy_stage_factory final : public pipeline::stage_factory {
public:
    explicit proxy_stage_factory(core::proxy_settings settings) : settings_(std::move(settings)) {}

    [[nodiscard]] std::unique_ptr<pipeline::stage> make(
        core::chunk_pool& pool, const std::optional<core::peer_address>& peer) const noexcept override;
    [[nodiscard]] std::string_view name() const noexcept override { return "proxy"; }
    [[nodiscard]] std::chrono::milliseconds opening_timeout() const noexcept override {
        return settings_.timeout;
    }
    [[nodiscard]] bool names_client(
        const std::optional<core::peer_address>& peer) const noexcept override {
        return settings_.reads_header_from(peer);
    }
    // Under proxy=require anyone may connect, so the per-address cap stays on until
    // the header names the client; only a listed balancer is exempt.
    [[nodiscard]] bool trusts(const std::optional<core::peer_address>& peer) const noexcept override {
        return settings_.mode == core::proxy_mode::optional && settings_.reads_header_from(peer);
    }

private:
    core::proxy_settings settings_;
};

}  // namespace echo::proxy
