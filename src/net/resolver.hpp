// Turns the --host argument into every address the server must bind.
#pragma once

#include "net/endpoint.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace echo::net {

// "" means every IPv4 interface (0.0.0.0), as in the tutorial; a literal is taken
// as it is; a hostname yields all its addresses, without duplicates, in resolver
// order. Throws setup_error naming the host when it does not resolve.
// `scope` (an IPv6 zone) is only valid with an IPv6 literal.
[[nodiscard]] std::vector<endpoint> resolve_listen_addresses(std::string_view host,
                                                             std::uint16_t port,
                                                             std::string_view scope = {});

}  // namespace echo::net
