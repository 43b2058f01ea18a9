// Strict readings: the whole text must be the value, so "10KB" or "1.5.0s" is a
// typo reported to the user, not a silently different setting.
#include "core/quantity_text.hpp"

#include "core/whole_number.hpp"

#include <charconv>
#include <cmath>

namespace echo::core {

namespace {

// Where a decimal number starts with a digit or a point: from_chars would take
// "inf", "nan" and a sign, none of which is a quantity.
bool starts_like_a_number(std::string_view text) {
    return !text.empty() && ((text[0] >= '0' && text[0] <= '9') || text[0] == '.');
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
    if (!starts_like_a_number(text)) {
        return std::nullopt;
    }
    double n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || !std::isfinite(n)) {
        return std::nullopt;
    }
    const std::string_view unit{end, static_cast<std::size_t>(text.data() + text.size() - end)};
    double per_unit = 0;
    if (unit == "us") {
        per_unit = 1e3;
    } else if (unit == "ms") {
        per_unit = 1e6;
    } else if (unit.empty() || unit == "s") {
        per_unit = 1e9;
    } else if (unit == "m") {
        per_unit = 60e9;
    } else if (unit == "h") {
        per_unit = 3600e9;
    } else {
        return std::nullopt;
    }
    const double ns = n * per_unit;
    if (ns > 1e18) {
        return std::nullopt;
    }
    return std::chrono::nanoseconds{static_cast<std::int64_t>(ns)};
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text, std::uint64_t cap) {
    std::uint64_t unit = 1;
    for (const auto& [suffix, shift] : {std::pair{std::string_view{"KiB"}, 10},
                                        std::pair{std::string_view{"MiB"}, 20},
                                        std::pair{std::string_view{"GiB"}, 30},
                                        std::pair{std::string_view{"TiB"}, 40}}) {
        if (text.ends_with(suffix)) {
            unit = std::uint64_t{1} << shift;
            text.remove_suffix(suffix.size());
            break;
        }
    }
    const auto n = whole_number<std::uint64_t>(text);
    if (!n || *n > cap / unit) {
        return std::nullopt;
    }
    return *n * unit;
}

std::optional<double> parse_probability(std::string_view text) {
    if (!starts_like_a_number(text)) {
        return std::nullopt;
    }
    double p = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
    if (ec != std::errc{} || end != text.data() + text.size() || !(p >= 0 && p <= 1)) {
        return std::nullopt;
    }
    return p;
}

}  // namespace echo::core
