// The target and method are the client's bytes: escaped so they cannot end the
// line or pose as another field.
#include "http/request_log.hpp"

#include "core/log_event.hpp"
#include "core/log_safe.hpp"

#include <fmt/format.h>

#include <string>

namespace echo::http {

std::string endpoint_text(std::string_view address, std::uint16_t port) {
    return address.find(':') != std::string_view::npos ? fmt::format("[{}]:{}", address, port)
                                                       : fmt::format("{}:{}", address, port);
}

void log_http_request(pipeline::app_log* log, const request_log_line& line) {
    if (log == nullptr || !log->wants_info()) {
        return;
    }
    const auto& q = line.request;
    const auto peer = endpoint_text(line.origin.client_address, line.origin.client_port);
    const auto method = core::log_safe(q.method.empty() ? "-" : q.method);
    const auto target = core::log_safe(q.target.empty() ? "-" : q.target);
    const std::pair<std::string_view, std::string> fields[] = {
        {"method", method}, {"target", target}, {"status", std::to_string(line.status)}};
    const double ms = line.complete ? static_cast<double>(q.done_ns - q.started_ns) / 1e6 : 0.0;
    const core::log_event event{.event = "request",
                                .peer = peer,
                                .listener = line.listener,
                                .bytes_in = q.body_size,
                                .bytes_out = line.bytes_out,
                                .duration_ms = ms,
                                .fields = fields};
    log->info(event, log->structured()
                         ? std::string{}
                         : fmt::format("request {} {} {} -> {} ({} bytes out)", peer, method,
                                       target, line.status, line.bytes_out));
}

}  // namespace echo::http
