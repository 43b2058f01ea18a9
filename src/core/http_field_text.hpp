// The two text rules every HTTP/1 reader here shares: field names compare without
// case (RFC 9110 5.1), and a field value loses the optional whitespace around it (5.5).
#pragma once

#include <cstddef>
#include <string_view>

namespace echo::core {

// ASCII only, as field names are tokens: no locale.
[[nodiscard]] inline bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

// Without the spaces and tabs (OWS) at either end.
[[nodiscard]] inline std::string_view without_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace echo::core
