// Makes the HTTP echo for each connection of one http:// or https:// listener.
#pragma once

#include "http/http_echo_app.hpp"

namespace echo::http {

class http_app_factory final : public pipeline::application_factory {
public:
    explicit http_app_factory(std::shared_ptr<const http_echo_config> config) noexcept
        : config_(std::move(config)) {}

    [[nodiscard]] std::unique_ptr<pipeline::application> make(
        const pipeline::app_context& context) const noexcept override {
        try {
            return std::make_unique<http_echo_app>(config_, context);
        } catch (const std::bad_alloc&) {
            return nullptr;
        }
    }

private:
    std::shared_ptr<const http_echo_config> config_;
};

}  // namespace echo::http
