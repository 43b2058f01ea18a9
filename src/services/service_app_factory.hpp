// Makes a stream listener's classic service (?service=discard|chargen|daytime|time)
// for each connection. The echo is not made here: it keeps the worker's raw path.
#pragma once

#include "core/service_kind.hpp"
#include "pipeline/application.hpp"

namespace echo::services {

class service_app_factory final : public pipeline::application_factory {
public:
    // `kind` is not service_kind::echo.
    explicit service_app_factory(core::service_kind kind) noexcept : kind_(kind) {}

    [[nodiscard]] std::unique_ptr<pipeline::application> make(
        const pipeline::app_context& context) const noexcept override;
    // Only the clock services read the context (its wall-clock offset).
    [[nodiscard]] bool wants_context() const noexcept override {
        return kind_ == core::service_kind::daytime || kind_ == core::service_kind::time;
    }

private:
    core::service_kind kind_;
};

}  // namespace echo::services
