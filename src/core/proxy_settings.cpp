// proxy=require|optional, proxy_from=CIDR,..., proxy_timeout=SEC. The keys may come
// in any order, so the rules that tie them are checked once all are read.
#include "core/proxy_settings.hpp"

#include "core/seconds_value.hpp"

namespace echo::core {

namespace {

constexpr std::chrono::milliseconds kMaxTimeout{3'600'000};

}  // namespace

bool proxy_settings::reads_header_from(const std::optional<peer_address>& peer) const noexcept {
    if (mode == proxy_mode::require) {
        return true;
    }
    return peer && any_contains(from, *peer);
}

std::optional<std::string> take_proxy_key(std::string_view key, std::string_view value,
                                          std::optional<proxy_settings>& out) {
    if (key != "proxy" && key != "proxy_from" && key != "proxy_timeout") {
        return std::nullopt;
    }
    if (!out) {
        out.emplace();
    }
    if (key == "proxy") {
        out->mode_given = true;
        if (value == "require") {
            out->mode = proxy_mode::require;
        } else if (value == "optional") {
            out->mode = proxy_mode::optional;
        } else {
            return std::string{"proxy must be require or optional"};
        }
    } else if (key == "proxy_from") {
        if (auto problem = parse_address_ranges(value, out->from)) {
            return "proxy_from: " + *problem;
        }
    } else {
        const auto t = seconds_value(value, kMaxTimeout);
        if (!t) {
            return std::string{"proxy_timeout must be seconds, above 0 and at most 3600"};
        }
        out->timeout = *t;
    }
    return std::string{};
}

std::optional<std::string> finish_proxy_settings(const std::optional<proxy_settings>& settings,
                                                 bool unix_listener) {
    if (!settings) {
        return std::nullopt;
    }
    if (!settings->mode_given) {
        return std::string{"proxy_from and proxy_timeout need proxy=require or proxy=optional"};
    }
    if (settings->mode == proxy_mode::optional && settings->from.empty()) {
        // The specification forbids guessing whether a header is there: only
        // sources named as balancers may choose.
        return std::string{"proxy=optional needs proxy_from=CIDR,... (the balancers' addresses)"};
    }
    if (settings->mode == proxy_mode::require && !settings->from.empty()) {
        return std::string{"proxy_from goes with proxy=optional (with proxy=require every "
                           "connection must send a header)"};
    }
    if (unix_listener && settings->mode == proxy_mode::optional) {
        return std::string{"a Unix listener takes proxy=require only (its peers have no address "
                           "for proxy_from)"};
    }
    return std::nullopt;
}

}  // namespace echo::core
