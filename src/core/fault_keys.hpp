// A listener's fault keys as text (key, value), as a URL query gives them or a JSON
// object of the admin API does, and their spec, made by the URL's own key parsers
// so both say the same things in the same words.
#pragma once

#include "core/datagram_faults.hpp"
#include "core/stream_faults.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace echo::core {

using fault_key_list = std::vector<std::pair<std::string, std::string>>;

// An admin request's body is at most this long: a full spec is a few hundred bytes.
inline constexpr std::size_t kMaxFaultJson = 16 * 1024;

// A JSON object whose values are strings ("200ms"), numbers (0.1) or booleans
// (true: "1"). Anything else, or text that is not JSON, gives a one-line reason.
[[nodiscard]] std::variant<fault_key_list, std::string> fault_keys_from_json(
    std::string_view body);

// Through take_stream_fault_key / take_datagram_fault_key and finish_*: the spec
// (nullopt for no keys), or the parser's one-line reason.
[[nodiscard]] std::variant<std::optional<stream_faults>, std::string> stream_faults_of(
    const fault_key_list& keys);
[[nodiscard]] std::variant<std::optional<datagram_faults>, std::string> datagram_faults_of(
    const fault_key_list& keys);

// "delay=200ms&rate=1MiB": the URL-key syntax.
[[nodiscard]] std::string fault_query(const fault_key_list& keys);
// {"delay":"200ms","rate":"1MiB"}.
[[nodiscard]] std::string fault_json(const fault_key_list& keys);

}  // namespace echo::core
