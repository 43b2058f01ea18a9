// The one log line per answered request, for HTTP/1.x and HTTP/2 alike.
#pragma once

#include "core/http_echo_reply.hpp"
#include "pipeline/application.hpp"

#include <cstdint>
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

// Writes the line when `log` wants info; the method and target are escaped.
void log_http_request(pipeline::app_log* log, const request_log_line& line);

}  // namespace echo::http
