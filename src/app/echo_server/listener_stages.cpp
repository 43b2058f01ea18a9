// Adding a protocol stage means a branch here, where URLs become recipes, and
// none in the worker. Stages go in wire order: PROXY, then TLS.
#include "app/echo_server/listener_stages.hpp"

#include "net/setup_error.hpp"
#include "proxy/proxy_stage_factory.hpp"

#include <spdlog/spdlog.h>

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

}  // namespace

std::shared_ptr<const pipeline::recipe> listener_stages::recipe_for(const core::listen_url& url,
                                                                    const std::string& announced) {
    if (!url.tls && !url.proxy) {
        return nullptr;
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
    return recipe;
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
    return out;
}

}  // namespace echo::app
