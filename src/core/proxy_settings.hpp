// What a listener asks of the PROXY protocol, parsed from its URL keys: whether a
// header must come first, from which sources one is read, and how long to wait.
#pragma once

#include "core/address_range.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace echo::core {

enum class proxy_mode { require, optional };

struct proxy_settings {
    // require: every connection starts with a header. optional: connections from
    // `from` may start with one (a balancer's own health checks send none); from
    // anywhere else a header is never read, for anyone could forge it.
    proxy_mode mode = proxy_mode::require;
    std::vector<address_range> from;
    std::chrono::milliseconds timeout{5'000};  // for the whole header
    bool mode_given = false;  // proxy= was written: the other keys alone enable nothing

    // Whether a connection from `peer` (none: a Unix peer) may carry a header.
    [[nodiscard]] bool reads_header_from(const std::optional<peer_address>& peer) const noexcept;
};

// Takes one URL key (proxy, proxy_from, proxy_timeout). Returns nullopt when the key
// is not a PROXY key, an empty string when it was taken, else what is wrong.
[[nodiscard]] std::optional<std::string> take_proxy_key(std::string_view key,
                                                        std::string_view value,
                                                        std::optional<proxy_settings>& out);

// After every key: checks what depends on several keys. Returns the problem, if any.
[[nodiscard]] std::optional<std::string> finish_proxy_settings(
    const std::optional<proxy_settings>& settings, bool unix_listener);

}  // namespace echo::core
