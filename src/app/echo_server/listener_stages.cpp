// Adding a protocol stage means a branch here, where URLs become recipes, and
// none in the worker.
#include "app/echo_server/listener_stages.hpp"

#include "net/setup_error.hpp"

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
    if (!url.tls) {
        return nullptr;
    }
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
    auto recipe = std::make_shared<pipeline::recipe>();
    recipe->stages.push_back(factory);
    recipe->opening_timeout = url.tls->handshake_timeout;
    recipe->max_opening_per_address = url.tls->handshakes_per_ip;
    recipe->observer = observer;
    tls_.push_back(std::move(factory));
    observers_.push_back(std::move(observer));
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
    if (observers_.empty()) {
        return {};
    }
    std::string out = tls::tls_observer::metrics_header();
    for (const auto& o : observers_) {
        o->append_metrics(out);
    }
    return out;
}

}  // namespace echo::app
