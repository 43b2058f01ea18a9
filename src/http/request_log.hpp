// The one log line per answered request, for HTTP/1.x and HTTP/2 alike.
#pragma once

#include "core/http_echo_reply.hpp"
#include "pipeline/application.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace echo::http {

struct request_log_line {
    const core::http_request& request;
    const core::echo_origin& origin;
    std::string_view listener;
    int status = 0;
    std::uint64_t bytes_out = 0;
    bool complete = true;  // the request arrived whole (else it was refused midway)
};

// "address:port", an IPv6 address in brackets: the peer as log lines name it.
[[nodiscard]] std::string endpoint_text(std::string_view address, std::uint16_t port);

// Writes the line when `log` wants info; the method and target are escaped.
void log_http_request(pipeline::app_log* log, const request_log_line& line);

}  // namespace echo::http
