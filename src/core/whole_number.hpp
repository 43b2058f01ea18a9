// A whole number written alone in a text, for the URL parsers: no sign tricks, no
// leading spaces, no trailing bytes.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>

namespace echo::core {

template <class T>
[[nodiscard]] std::optional<T> whole_number(std::string_view text, int base = 10) {
    T v{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return v;
}

}  // namespace echo::core
