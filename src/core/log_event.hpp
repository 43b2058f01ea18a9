// A log line's structured form: the stable keys of `--log-format json`. Pure: the
// JSON text is built here and unit-tested; app/ decides where lines go.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace echo::core {

struct log_event {
    std::string_view event = {};  // connected, closed, refused, ...
    std::string_view peer = {};
    std::string_view listener = {};
    std::optional<std::uint64_t> bytes_in = {};
    std::optional<std::uint64_t> bytes_out = {};
    std::optional<double> duration_ms = {};
    std::string_view reason = {};
    // Further string members, in order (a protocol stage's facts, say).
    std::span<const std::pair<std::string_view, std::string>> fields = {};
};

// `"event":"closed","peer":"…",…` — the members after ts and level, empty ones left out.
[[nodiscard]] std::string json_members(const log_event& e);
// A complete JSON line for one record.
[[nodiscard]] std::string json_line(std::string_view ts, std::string_view level,
                                    std::string_view members);
// `text` as the contents of a JSON string (quotes, backslashes, control bytes escaped).
[[nodiscard]] std::string json_escape(std::string_view text);

}  // namespace echo::core
