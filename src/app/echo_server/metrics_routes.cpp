// GET and HEAD only: a scrape never changes anything, so nothing else is offered.
#include "app/echo_server/metrics_routes.hpp"

namespace echo::app {

http_handler metrics_routes(std::function<std::string()> metrics, std::function<bool()> ready) {
    return [metrics = std::move(metrics), ready = std::move(ready)](
               const core::request_line& req, std::string_view,
               const std::string&) -> core::http_response {
        if (req.method != "GET" && req.method != "HEAD") {
            return {405, "text/plain; charset=utf-8", "only GET and HEAD\n", {}};
        }
        if (req.path == "/metrics") {
            return {200, "text/plain; version=0.0.4; charset=utf-8", metrics(), {}};
        }
        if (req.path == "/healthz") {
            return {200, "text/plain; charset=utf-8", "ok\n", {}};
        }
        if (req.path == "/readyz") {
            return ready() ? core::http_response{200, "text/plain; charset=utf-8", "ready\n", {}}
                           : core::http_response{503, "text/plain; charset=utf-8", "draining\n", {}};
        }
        return {404, "text/plain; charset=utf-8", "try /metrics, /healthz or /readyz\n", {}};
    };
}

}  // namespace echo::app
