// Makes a TLS stage for each connection of one listener, from material that a
// reload can replace while connections run: a stage keeps the context it started
// with, new ones get the newest.
#pragma once

#include "core/locked_shared.hpp"
#include "core/tls_settings.hpp"
#include "pipeline/recipe.hpp"
#include "tls/tls_context.hpp"
#include "tls/ticket_keys.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace echo::tls {

class tls_stage_factory final : public pipeline::stage_factory {
public:
    // Loads the material; throws std::runtime_error (one line) when it is unusable.
    // Lines worth a warning (an expired certificate) are added to `warnings`.
    tls_stage_factory(core::tls_settings settings, std::string url,
                      std::vector<std::string>& warnings);

    [[nodiscard]] std::unique_ptr<pipeline::stage> make(
        core::chunk_pool& pool, const std::optional<core::peer_address>& peer) const noexcept override;
    [[nodiscard]] std::string_view name() const noexcept override { return "tls"; }
    [[nodiscard]] std::chrono::milliseconds opening_timeout() const noexcept override {
        return settings_.handshake_timeout;
    }

    // Reads every file again. On success new handshakes use it and the result is
    // the certificates' serials; on failure the old material stays and the
    // exception's one line says why. Thread-safe against make().
    std::vector<std::string> reload(std::vector<std::string>& warnings);
    [[nodiscard]] const std::string& url() const noexcept { return url_; }

private:
    core::tls_settings settings_;
    std::string url_;
    std::shared_ptr<ticket_keys> keys_;  // kept across reloads: tickets stay valid
    core::locked_shared<const tls_context> current_;
};

}  // namespace echo::tls
