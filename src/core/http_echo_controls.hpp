// What a request asks of the echo's answer, read from its query, path and
// headers: ?format=, and when the listener allows controls ?status= or
// /status/NNN, ?size=, ?close=1, ?delay= (whoami's ?wait=) and X-Echo-Set-Header.
#pragma once

#include "core/http_request.hpp"
#include "core/http_settings.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace echo::core {

enum class reply_format : std::uint8_t { json, text, body };

struct echo_controls {
    reply_format format = reply_format::json;
    int status = 200;
    std::optional<std::uint64_t> size;  // a body of this many bytes instead of the echo
    bool close = false;
    std::chrono::milliseconds delay{0};
    std::vector<http_header> set_headers;  // names and values checked: no CR, LF, NUL
    std::string error;  // not empty: a control was wrong, answer 400 with this text
};

[[nodiscard]] echo_controls read_controls(const http_request& request, const http_settings& s);

}  // namespace echo::core
