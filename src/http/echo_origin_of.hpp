// Who asked, as an HTTP echo (HTTP/1.x or HTTP/2) reports it: the connection's
// context turned into the echo document's origin.
#pragma once

#include "core/http_echo_reply.hpp"
#include "pipeline/application.hpp"

namespace echo::http {

[[nodiscard]] inline core::echo_origin echo_origin_of(const pipeline::app_context& context) {
    core::echo_origin origin;
    origin.client_address = context.client_address;
    origin.client_port = context.client_port;
    origin.peer_address = context.peer_address;
    origin.peer_port = context.peer_port;
    origin.tls = context.tls;
    for (const auto& [key, value] : context.stage_facts) {
        origin.tls_facts.emplace_back(key, value);
    }
    return origin;
}

}  // namespace echo::http
