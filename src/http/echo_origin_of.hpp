// Who asked, as an HTTP echo (HTTP/1.x or HTTP/2) reports it: the connection's
// context turned into the echo document's origin, and back for a hand-over.
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

// The way back, for an application that hands its connection to another.
[[nodiscard]] inline pipeline::app_context app_context_of(const core::echo_origin& origin,
                                                          std::string_view listener,
                                                          std::int64_t wall_offset_ns,
                                                          pipeline::app_log* log) {
    pipeline::app_context context;
    context.client_address = origin.client_address;
    context.client_port = origin.client_port;
    context.peer_address = origin.peer_address;
    context.peer_port = origin.peer_port;
    context.tls = origin.tls;
    context.stage_facts.assign(origin.tls_facts.begin(), origin.tls_facts.end());
    context.listener = listener;
    context.wall_offset_ns = wall_offset_ns;
    context.log = log;
    return context;
}

}  // namespace echo::http
