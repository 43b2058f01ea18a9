// Turns each listener URL into the stages and application its connections get (a
// recipe), keeps
// what SIGHUP reloads, and adds the stages' series to /metrics.
#pragma once

#include "core/http_echo_reply.hpp"
#include "core/listen_url.hpp"
#include "http/http_observer.hpp"
#include "http/websocket_observer.hpp"
#include "pipeline/fault_application.hpp"
#include "pipeline/recipe.hpp"
#include "proxy/proxy_observer.hpp"
#include "tls/tls_observer.hpp"
#include "tls/tls_stage_factory.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace echo::app {

class listener_stages {
public:
    // The recipe for `url` (null for raw echo), announced as `announced`. Loads
    // TLS material now: throws net::setup_error with one line when it is unusable.
    std::shared_ptr<const pipeline::recipe> recipe_for(const core::listen_url& url,
                                                       const std::string& announced);
    // The fault decorator of the listener announced as `announced`, whose spec the
    // admin API swaps; null when it started without a fault key.
    [[nodiscard]] std::shared_ptr<pipeline::fault_application_factory> faults_of(
        const std::string& announced) const;
    // SIGHUP: reloads every TLS listener's files; a listener whose files fail keeps
    // its old material. Logs one line per listener.
    void reload();
    // The stages' metrics (empty when there are none).
    [[nodiscard]] std::string metrics_text() const;

private:
    void append_fault_metrics(std::string& out) const;

    std::vector<std::shared_ptr<tls::tls_stage_factory>> tls_;
    // Per faulted listener (announced URL): the factory whose spec can be swapped.
    std::vector<std::pair<std::string, std::shared_ptr<pipeline::fault_application_factory>>>
        faults_;
    std::vector<std::shared_ptr<tls::tls_observer>> observers_;
    std::vector<std::shared_ptr<proxy::proxy_observer>> proxy_observers_;
    std::vector<std::shared_ptr<http::http_observer>> http_observers_;
    std::vector<std::shared_ptr<http::websocket_observer>> websocket_observers_;
    std::optional<core::echo_server_facts> server_facts_;  // read at the first HTTP listener
};

}  // namespace echo::app
