// The swap is one atomic store: a handshake that already took the old context
// finishes with it, and the old context goes away with its last connection.
#include "tls/tls_stage_factory.hpp"

#include "tls/tls_stage.hpp"

namespace echo::tls {

tls_stage_factory::tls_stage_factory(core::tls_settings settings, std::string url,
                                     std::vector<std::string>& warnings)
    : settings_(std::move(settings)),
      url_(std::move(url)),
      keys_(std::make_shared<ticket_keys>()),
      current_(tls_context::load(settings_, url_, keys_, warnings)) {}

std::unique_ptr<pipeline::stage> tls_stage_factory::make(
    core::chunk_pool& pool, const std::optional<core::peer_address>& /*peer*/) const noexcept {
    return tls_stage::make(current_.load(), pool);
}

std::vector<std::string> tls_stage_factory::reload(std::vector<std::string>& warnings) {
    auto fresh = tls_context::load(settings_, url_, keys_, warnings);
    auto serials = fresh->serials();
    current_.store(std::move(fresh));
    return serials;
}

}  // namespace echo::tls
