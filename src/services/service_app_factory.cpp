// The clock services read the wall clock from the context (steady time plus the
// offset the worker measured), so the applications themselves never ask the system.
#include "services/service_app_factory.hpp"

#include "core/clock_replies.hpp"
#include "services/chargen_application.hpp"
#include "services/discard_application.hpp"
#include "services/one_reply_application.hpp"

#include <new>

namespace echo::services {

namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

std::int64_t unix_seconds(const pipeline::app_context& context) noexcept {
    const auto ns = context.now + context.wall_offset_ns;
    return ns / kNanosPerSecond - (ns % kNanosPerSecond < 0 ? 1 : 0);
}

}  // namespace

std::unique_ptr<pipeline::application> service_app_factory::make(
    const pipeline::app_context& context) const noexcept {
    pipeline::application* made = nullptr;
    switch (kind_) {
        case core::service_kind::discard:
            made = new (std::nothrow) discard_application;
            break;
        case core::service_kind::chargen:
            made = new (std::nothrow) chargen_application;
            break;
        case core::service_kind::daytime: {
            const auto text = core::daytime_at(unix_seconds(context));
            made = new (std::nothrow) one_reply_application(text.view());
            break;
        }
        case core::service_kind::time: {
            const auto t = core::time_at(unix_seconds(context));
            made = new (std::nothrow) one_reply_application(t);
            break;
        }
        case core::service_kind::echo:
            break;
    }
    return std::unique_ptr<pipeline::application>{made};
}

}  // namespace echo::services
