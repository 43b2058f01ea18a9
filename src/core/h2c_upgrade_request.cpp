// Header values are comma-separated token lists compared without case; the
// settings are base64url without padding (RFC 7540 3.2.1), padding tolerated.
#include "core/h2c_upgrade_request.hpp"

namespace echo::core {

namespace {

bool lists_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        auto item = list.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
            item.remove_suffix(1);
        }
        if (equals_ignoring_case(item, token)) {
            return true;
        }
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return false;
}

bool any_lists(const http_request& q, std::string_view name, std::string_view token) {
    for (const auto& h : q.headers) {
        if (equals_ignoring_case(h.name, name) && lists_token(h.value, token)) {
            return true;
        }
    }
    return false;
}

int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (const char c : text) {
        const int v = base64url_value(c);
        if (v < 0) {
            return std::nullopt;
        }
        bits = bits << 6 | static_cast<std::uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>(bits >> count & 0xff);
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> h2c_settings_of(const http_request& q) {
    if (q.version_major != 1 || q.version_minor != 1 || !any_lists(q, "Upgrade", "h2c") ||
        !any_lists(q, "Connection", "Upgrade") || !any_lists(q, "Connection", "HTTP2-Settings")) {
        return std::nullopt;
    }
    const http_header* settings = nullptr;
    for (const auto& h : q.headers) {
        if (equals_ignoring_case(h.name, "HTTP2-Settings")) {
            if (settings != nullptr) {
                return std::nullopt;
            }
            settings = &h;
        }
    }
    if (settings == nullptr) {
        return std::nullopt;
    }
    auto payload = base64url_decode(settings->value);
    if (!payload || payload->size() % 6 != 0) {
        return std::nullopt;  // SETTINGS entries are 6 bytes each
    }
    return payload;
}

}  // namespace echo::core
