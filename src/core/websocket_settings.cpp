// ws_max_message takes bytes with an optional KiB or MiB; ws_protocols a comma
// list of tokens. Caps keep a typo from letting one peer hold gigabytes.
#include "core/websocket_settings.hpp"

#include "core/quantity_text.hpp"

#include <algorithm>

namespace echo::core {

namespace {

std::optional<std::string> protocol_list(std::string_view v, std::vector<std::string>& out) {
    out.clear();
    while (true) {
        const auto comma = v.find(',');
        const auto name = v.substr(0, comma);
        if (!is_http_token(name) || out.size() == kMaxWebsocketProtocols) {
            return "ws_protocols is a comma-separated list of up to 16 tokens (or *)";
        }
        if (std::find(out.begin(), out.end(), name) == out.end()) {
            out.emplace_back(name);
        }
        if (comma == std::string_view::npos) {
            return std::string{};
        }
        v.remove_prefix(comma + 1);
    }
}

}  // namespace

bool is_http_token(std::string_view s) noexcept {
    constexpr std::string_view kPunctuation = "!#$%&'*+-.^_`|~";
    return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               kPunctuation.find(c) != std::string_view::npos;
    });
}

std::optional<std::string> take_websocket_key(std::string_view key, std::string_view value,
                                              websocket_listener_settings& out) {
    if (key == "ws_protocols") {
        return protocol_list(value, out.protocols);
    }
    if (key == "ws_frames") {
        if (value != "0" && value != "1") {
            return std::string{"ws_frames must be 0 or 1"};
        }
        out.session.echo_frames = value == "1";
        return std::string{};
    }
    if (key == "ws_max_message") {
        const auto n = parse_byte_size(value, kMaxWebsocketMessageCap);
        if (!n || *n == 0) {
            return std::string{"ws_max_message must be bytes from 1 to 64MiB (a number, or with KiB or MiB)"};
        }
        out.session.max_message = *n;
        return std::string{};
    }
    return std::nullopt;
}

}  // namespace echo::core
