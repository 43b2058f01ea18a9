// Makes the HTTP echo for each connection of one http:// or https:// listener:
// HTTP/2 when TLS negotiated h2, the prior-knowledge switch on cleartext (unless
// h2=0), else HTTP/1.x.
#pragma once

#include "http/h2_echo_app.hpp"
#include "http/http_echo_app.hpp"
#include "http/prior_knowledge_switch.hpp"

namespace echo::http {

class http_app_factory final : public pipeline::application_factory {
public:
    explicit http_app_factory(std::shared_ptr<const http_echo_config> config) noexcept
        : config_(std::move(config)) {}

    [[nodiscard]] std::unique_ptr<pipeline::application> make(
        const pipeline::app_context& context) const noexcept override {
        try {
            if (config_->settings.h2 && !context.tls) {
                return std::make_unique<prior_knowledge_switch>(config_, context);
            }
            if (config_->settings.h2 && negotiated_h2(context)) {
                return std::make_unique<h2_echo_app>(config_, context);
            }
            return std::make_unique<http_echo_app>(config_, context);
        } catch (const std::bad_alloc&) {
            return nullptr;
        }
    }

private:
    static bool negotiated_h2(const pipeline::app_context& context) noexcept {
        for (const auto& [key, value] : context.stage_facts) {
            if (key == "alpn") {
                return value == "h2";
            }
        }
        return false;
    }

    std::shared_ptr<const http_echo_config> config_;
};

}  // namespace echo::http
