// Fixed label sets: 5 status classes x 9 methods, and 6 reasons, per listener.
#include "http/http_observer.hpp"

#include "core/prometheus_text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace echo::http {

const char* name_of(over_limit r) noexcept {
    constexpr const char* names[kOverLimits] = {"malformed",      "head_too_large",
                                                "too_many_headers", "body_too_large",
                                                "request_timeout", "bad_control",
                                                "method_not_allowed", "version_not_supported"};
    return names[static_cast<std::size_t>(r)];
}

void http_observer::count_request(int status, std::string_view method) noexcept {
    const auto cls = static_cast<std::size_t>(std::clamp(status / 100, 1, 5) - 1);
    const auto m = static_cast<std::size_t>(
        std::find(kMethods.begin(), kMethods.end() - 1, method) - kMethods.begin());
    requests_[cls][m].fetch_add(1, std::memory_order_relaxed);
}

void http_observer::count_refusal(over_limit r) noexcept {
    refusals_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
}

std::string http_observer::metrics_header() {
    return "# HELP echo_http_requests_total HTTP requests answered, by status class and method.\n"
           "# TYPE echo_http_requests_total counter\n"
           "# HELP echo_http_refused_total HTTP requests refused over a limit, by reason.\n"
           "# TYPE echo_http_refused_total counter\n";
}

void http_observer::append_metrics(std::string& out) const {
    const auto listener = core::escape_label(listener_);
    for (std::size_t c = 0; c < requests_.size(); ++c) {
        for (std::size_t m = 0; m < kMethods.size(); ++m) {
            const auto n = requests_[c][m].load(std::memory_order_relaxed);
            if (n != 0) {
                out += fmt::format(
                    "echo_http_requests_total{{listener=\"{}\",code=\"{}xx\",method=\"{}\"}} {}\n",
                    listener, c + 1, kMethods[m], n);
            }
        }
    }
    for (std::size_t r = 0; r < kOverLimits; ++r) {
        out += fmt::format("echo_http_refused_total{{listener=\"{}\",reason=\"{}\"}} {}\n",
                           listener, name_of(static_cast<over_limit>(r)),
                           refusals_[r].load(std::memory_order_relaxed));
    }
}

}  // namespace echo::http
