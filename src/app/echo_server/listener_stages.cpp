// Adding a protocol stage or an application means a branch here, where URLs become
// recipes, and none in the worker. Stages go in wire order: PROXY, then TLS; the
// application (HTTP, which hands upgraded connections to WebSocket, or a classic
// service such as chargen) sits on top.
#include "app/echo_server/listener_stages.hpp"

#include "core/prometheus_text.hpp"
#include "http/http_app_factory.hpp"
#include "net/setup_error.hpp"
#include "pipeline/echo_application.hpp"
#include "proxy/proxy_stage_factory.hpp"
#include "services/service_app_factory.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace echo::app {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) {
        out += (out.empty() ? "" : ", ") + s;
    }
    return out;
}

// The server's identity for the HTTP echo: its host name, and of the environment
// only the Downward API names, so an echo never leaks other variables.
core::echo_server_facts read_server_facts() {
    core::echo_server_facts facts;
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0) {
        facts.hostname = name;
    }
    constexpr std::pair<const char*, const char*> kNames[] = {{"POD_NAME", "pod_name"},
                                                              {"POD_NAMESPACE", "pod_namespace"},
                                                              {"NODE_NAME", "node_name"},
                                                              {"SERVICE_NAME", "service_name"}};
    for (const auto& [variable, key] : kNames) {
        if (const char* value = std::getenv(variable); value != nullptr) {
            facts.environment.emplace_back(key, value);
        }
    }
    return facts;
}

}  // namespace

std::shared_ptr<const pipeline::recipe> listener_stages::recipe_for(const core::listen_url& url,
                                                                    const std::string& announced) {
    const bool service = url.service != core::service_kind::echo;
    // Any fault key, even one that asks for nothing (delay=0), installs the decorator,
    // so that the admin API can change the listener's faults at run time.
    const bool faulted = url.faults.has_value();
    if (!url.tls && !url.proxy && !url.http && !service && !faulted) {
        return nullptr;  // the raw echo's own path, with nothing per message
    }
    auto recipe = std::make_shared<pipeline::recipe>();
    // The header comes first on the wire: a balancer writes it before the client's
    // TLS ClientHello.
    if (url.proxy) {
        auto observer = std::make_shared<proxy::proxy_observer>(announced);
        recipe->stages.push_back(std::make_shared<proxy::proxy_stage_factory>(*url.proxy));
        recipe->observers.push_back(observer);
        proxy_observers_.push_back(std::move(observer));
    }
    if (url.tls) {
        std::vector<std::string> warnings;
        std::shared_ptr<tls::tls_stage_factory> factory;
        try {
            factory = std::make_shared<tls::tls_stage_factory>(*url.tls, url.text, warnings);
        } catch (const std::runtime_error& e) {
            throw net::setup_error(e.what());
        }
        for (const auto& w : warnings) {
            spdlog::warn("{}", w);
        }
        auto observer = std::make_shared<tls::tls_observer>(announced);
        recipe->stages.push_back(factory);
        recipe->max_opening_per_address = url.tls->handshakes_per_ip;
        recipe->observers.push_back(observer);
        tls_.push_back(std::move(factory));
        observers_.push_back(std::move(observer));
    }
    if (url.http) {
        if (!server_facts_) {
            server_facts_ = read_server_facts();
        }
        auto config = std::make_shared<http::http_echo_config>();
        config->settings = *url.http;
        config->server = *server_facts_;
        config->observer = std::make_shared<http::http_observer>(announced);
        http_observers_.push_back(config->observer);
        // Every HTTP listener answers Upgrade: websocket with the WebSocket echo.
        auto websocket = std::make_shared<http::websocket_echo_config>();
        websocket->settings = url.http->websocket;
        websocket->observer = std::make_shared<http::websocket_observer>(announced);
        websocket_observers_.push_back(websocket->observer);
        config->websocket = std::move(websocket);
        recipe->application = std::make_shared<http::http_app_factory>(std::move(config));
    }
    if (service) {
        recipe->application = std::make_shared<services::service_app_factory>(url.service);
    }
    if (faulted) {
        // Around whatever serves the bytes, so the faults reach raw, HTTP and WebSocket alike.
        std::shared_ptr<const pipeline::application_factory> inner = recipe->application;
        if (!inner) {
            inner = std::make_shared<pipeline::echo_application_factory>();
        }
        auto factory = std::make_shared<pipeline::fault_application_factory>(
            std::move(inner), std::make_shared<const core::stream_faults>(*url.faults));
        recipe->application = factory;
        faults_.emplace_back(announced, std::move(factory));
    }
    return recipe;
}

std::shared_ptr<pipeline::fault_application_factory> listener_stages::faults_of(
    const std::string& announced) const {
    for (const auto& [listener, factory] : faults_) {
        if (listener == announced) {
            return factory;
        }
    }
    return nullptr;
}

void listener_stages::reload() {
    for (const auto& factory : tls_) {
        std::vector<std::string> warnings;
        try {
            const auto serials = factory->reload(warnings);
            for (const auto& w : warnings) {
                spdlog::warn("{}", w);
            }
            spdlog::info("reloaded TLS material for {}: certificate serials {}", factory->url(),
                         joined(serials));
        } catch (const std::exception& e) {
            spdlog::error("reload failed, keeping the previous TLS material: {}", e.what());
        }
    }
}

std::string listener_stages::metrics_text() const {
    std::string out;
    if (!observers_.empty()) {
        out += tls::tls_observer::metrics_header();
        for (const auto& o : observers_) {
            o->append_metrics(out);
        }
    }
    if (!proxy_observers_.empty()) {
        out += proxy::proxy_observer::metrics_header();
        for (const auto& o : proxy_observers_) {
            o->append_metrics(out);
        }
    }
    if (!http_observers_.empty()) {
        out += http::http_observer::metrics_header();
        for (const auto& o : http_observers_) {
            o->append_metrics(out);
        }
        out += http::websocket_observer::metrics_header();
        for (const auto& o : websocket_observers_) {
            o->append_metrics(out);
        }
    }
    if (!faults_.empty()) {
        append_fault_metrics(out);
    }
    return out;
}

void listener_stages::append_fault_metrics(std::string& out) const {
    out += "# HELP echo_faulted_connections_total Connections a listener's faults applied "
           "to, by fault (refuse: those closed at once).\n"
           "# TYPE echo_faulted_connections_total counter\n"
           "# HELP echo_fault_bytes_delayed_total Bytes held past their arrival by delay= "
           "or jitter=.\n"
           "# TYPE echo_fault_bytes_delayed_total counter\n"
           "# HELP echo_fault_bytes_reset_total Bytes received and never echoed on connections "
           "reset_after= ended.\n"
           "# TYPE echo_fault_bytes_reset_total counter\n";
    using kind = pipeline::fault_tallies::kind;
    for (const auto& [listener, factory] : faults_) {
        const auto l = core::escape_label(listener);
        const auto& t = factory->tallies();
        for (std::size_t i = 0; i < pipeline::fault_tallies::kKinds; ++i) {
            const auto k = static_cast<kind>(i);
            out += fmt::format("echo_faulted_connections_total{{listener=\"{}\",fault=\"{}\"}} {}\n",
                               l, pipeline::fault_tallies::name_of(k), t.faulted_count(k));
        }
        out += fmt::format("echo_fault_bytes_delayed_total{{listener=\"{}\"}} {}\n", l,
                           t.bytes_delayed());
        out += fmt::format("echo_fault_bytes_reset_total{{listener=\"{}\"}} {}\n", l,
                           t.bytes_reset());
    }
}

}  // namespace echo::app
