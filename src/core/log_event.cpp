// JSON by hand: the records are flat and their keys fixed, so a dependency would
// buy nothing but escaping, which is the part tested here.
#include "core/log_event.hpp"

#include <fmt/format.h>

namespace echo::core {

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += fmt::format("\\u{:04x}", c);
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out;
}

std::string json_members(const log_event& e) {
    std::string out = fmt::format("\"event\":\"{}\"", json_escape(e.event));
    const auto text = [&out](std::string_view key, std::string_view value) {
        if (!value.empty()) {
            out += fmt::format(",\"{}\":\"{}\"", key, json_escape(value));
        }
    };
    text("peer", e.peer);
    text("listener", e.listener);
    if (e.bytes_in) {
        out += fmt::format(",\"bytes_in\":{}", *e.bytes_in);
    }
    if (e.bytes_out) {
        out += fmt::format(",\"bytes_out\":{}", *e.bytes_out);
    }
    if (e.duration_ms) {
        out += fmt::format(",\"duration_ms\":{:.3f}", *e.duration_ms);
    }
    text("reason", e.reason);
    for (const auto& [key, value] : e.fields) {
        text(key, value);
    }
    return out;
}

std::string json_line(std::string_view ts, std::string_view level, std::string_view members) {
    return fmt::format("{{\"ts\":\"{}\",\"level\":\"{}\",{}}}", ts, level, members);
}

}  // namespace echo::core
