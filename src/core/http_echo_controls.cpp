// A control that does not parse is answered with 400 and says why, rather than
// ignored: a test suite that asked for ?status=503 must not pass on a 200.
#include "core/http_echo_controls.hpp"

#include "core/http_field_text.hpp"
#include "core/quantity_text.hpp"
#include "core/whole_number.hpp"


namespace echo::core {

namespace {

// Each name=value pair of a query, undecoded: the controls' values are plain.
template <class F>
void for_each_pair(std::string_view query, F&& f) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        f(pair.substr(0, eq), eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    }
}

bool is_token(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
        if (!ok) {
            return false;
        }
    }
    return true;
}

// The headers the echo writes itself: a client setting them would break framing.
bool reserved(std::string_view name) {
    for (const auto* r : {"Content-Length", "Transfer-Encoding", "Connection", "Content-Type"}) {
        if (equals_ignoring_case(name, r)) {
            return true;
        }
    }
    return false;
}

std::optional<int> status_value(std::string_view v) {
    const auto n = whole_number<int>(v);
    return n && *n >= 200 && *n <= 599 ? n : std::nullopt;
}

void take_set_header(std::string_view value, echo_controls& out) {
    const auto colon = value.find(':');
    const auto name = value.substr(0, colon);
    const auto text = colon == std::string_view::npos ? std::string_view{} : without_ows(value.substr(colon + 1));
    if (colon == std::string_view::npos || !is_token(name)) {
        out.error = "X-Echo-Set-Header must be 'Name: value' with a token for a name";
        return;
    }
    if (text.find_first_of(std::string_view{"\r\n\0", 3}) != std::string_view::npos) {
        out.error = "X-Echo-Set-Header values may not hold CR, LF or NUL";
        return;
    }
    if (reserved(name)) {
        out.error = "X-Echo-Set-Header may not set " + std::string{name};
        return;
    }
    out.set_headers.push_back({std::string{name}, std::string{text}});
}

}  // namespace

echo_controls read_controls(const http_request& request, const http_settings& s) {
    echo_controls out;
    if (const auto* accept = request.find("Accept");
        accept != nullptr && accept->value.starts_with("text/plain")) {
        out.format = reply_format::text;
    }
    const auto fail = [&out](std::string why) {
        if (out.error.empty()) {
            out.error = std::move(why);
        }
    };
    for_each_pair(request.query, [&](std::string_view key, std::string_view value) {
        if (key == "format") {
            if (value == "json") {
                out.format = reply_format::json;
            } else if (value == "text") {
                out.format = reply_format::text;
            } else if (value == "body") {
                out.format = reply_format::body;
            } else {
                fail("format must be json, text or body");
            }
            return;
        }
        if (!s.controls) {
            return;
        }
        if (key == "status") {
            const auto v = status_value(value);
            v ? void(out.status = *v) : fail("status must be 200 to 599");
        } else if (key == "size") {
            const auto v = whole_number<std::uint64_t>(value);
            if (!v || *v > s.max_response) {
                fail("size must be a whole number up to max_response (" +
                     std::to_string(s.max_response) + ")");
            } else {
                out.size = *v;
            }
        } else if (key == "close") {
            out.close = value == "1" || value == "true";
        } else if (key == "delay" || key == "wait") {
            // Whole milliseconds, as whoami and echo-basic count them.
            const auto v = parse_duration(value);
            if (!v || *v > s.max_delay) {
                fail("delay must be a duration (250ms, 1.5s) up to " +
                     std::to_string(s.max_delay.count()) + "ms");
            } else {
                out.delay = std::chrono::duration_cast<std::chrono::milliseconds>(*v);
            }
        }
    });
    if (!s.controls) {
        return out;
    }
    constexpr std::string_view kStatusPath = "/status/";
    if (request.path.starts_with(kStatusPath)) {
        const auto v = status_value(request.path.substr(kStatusPath.size()));
        v ? void(out.status = *v) : fail("/status/NNN takes 200 to 599");
    }
    for (const auto& h : request.headers) {
        if (equals_ignoring_case(h.name, "X-Echo-Set-Header") && out.error.empty()) {
            take_set_header(h.value, out);
        }
    }
    return out;
}

}  // namespace echo::core
