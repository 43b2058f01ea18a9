// Whether a source may send a header is decided once, at accept, from its address:
// a header from anyone else is never read, so it cannot be forged.
#include "proxy/proxy_stage_factory.hpp"

#include "proxy/proxy_stage.hpp"

#include <new>

namespace echo::proxy {

std::unique_ptr<pipeline::stage> proxy_stage_factory::make(
    core::chunk_pool& pool, const std::optional<core::peer_address>& peer) const noexcept {
    using reading = proxy_stage::reading;
    const auto mode = settings_.mode == core::proxy_mode::require ? reading::required
                      : settings_.reads_header_from(peer)          ? reading::if_present
                                                                   : reading::never;
    return std::unique_ptr<pipeline::stage>{new (std::nothrow) proxy_stage(pool, mode)};
}

}  // namespace echo::proxy
