// What the --metrics endpoint answers: /metrics, /healthz and /readyz.
#pragma once

#include "app/echo_server/http_endpoint.hpp"

#include <functional>
#include <string>

namespace echo::app {

// `metrics`: the Prometheus text; `ready`: false while draining. Both are called on
// the endpoint's thread.
[[nodiscard]] http_handler metrics_routes(std::function<std::string()> metrics,
                                          std::function<bool()> ready);

}  // namespace echo::app
