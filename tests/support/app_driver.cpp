// Sends are taken whole or cut at send_limit, as a socket might take them.
#include "support/app_driver.hpp"

#include <algorithm>
#include <cstring>

namespace echo::testing {

void app_driver::feed(pipeline::application& app, std::string_view bytes, pipeline::time_ns now) {
    send_each_ = true;
    give(app, bytes, now);
    send_each_ = false;
}

void app_driver::give(pipeline::application& app, std::string_view bytes, pipeline::time_ns now) {
    while (!bytes.empty()) {
        auto c = pool_.acquire();
        const auto n = std::min<std::size_t>(bytes.size(), c->capacity);
        std::memcpy(c->data, bytes.data(), n);
        c->end = static_cast<std::uint32_t>(n);
        bytes.remove_prefix(n);
        app.on_received(std::move(c), now);
        if (send_each_) {
            drain(app, now);
        }
    }
}

void app_driver::drain(pipeline::application& app, pipeline::time_ns now) {
    for (int i = 0; i < 1'000'000; ++i) {
        const auto span = app.begin_send();
        if (span.empty()) {
            return;
        }
        const auto n = std::min(span.size(), send_limit_);
        out.append(reinterpret_cast<const char*>(span.data()), n);
        app.on_sent(n, now);
    }
}

}  // namespace echo::testing
