// Fuzzes the WebSocket opening handshake's decision: the input is a request head
// (request line, then "Name: value" lines). Whatever comes, the status is 101, 400
// or 426 with a listed failure, and an accepted answer is one well-formed head
// whose every header line is CRLF-terminated and free of stray CR or LF.
#include "core/websocket_handshake.hpp"
#include "property.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    std::vector<std::string_view> lines;
    for (std::size_t at = 0; at <= text.size();) {
        const auto end = std::min(text.find('\n', at), text.size());
        lines.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    core::websocket_upgrade_request request;
    const auto space = lines[0].find(' ');
    request.method = lines[0].substr(0, space);
    request.http_minor = lines[0].ends_with("1.0") ? 0 : 1;
    std::vector<core::http_header_view> headers;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto colon = lines[i].find(':');
        if (colon == std::string_view::npos) continue;
        headers.push_back({lines[i].substr(0, colon), lines[i].substr(colon + 1)});
    }
    request.headers = headers;
    static const std::vector<std::string> protocols[] = {{}, {"chat", "superchat"}, {"*"}};
    const auto h = core::evaluate_websocket_upgrade(request, protocols[size % 3]);
    const auto failures = core::websocket_upgrade_failures();
    if (h.accepted) {
        require(h.status == 101 && h.failure.empty(), "accepted is 101 with no failure");
        require(h.response_head.starts_with("HTTP/1.1 101 Switching Protocols\r\n") &&
                    h.response_head.ends_with("\r\n\r\n"),
                "the 101 head is whole");
        const std::string_view head{h.response_head};
        const auto body = head.substr(0, head.size() - 2);
        for (std::size_t i = 0; i < body.size(); ++i) {
            if (body[i] == '\r') require(i + 1 < body.size() && body[i + 1] == '\n', "CR only before LF");
            if (body[i] == '\n') require(i > 0 && body[i - 1] == '\r', "LF only after CR");
        }
        require(head.find("Sec-WebSocket-Accept: ") != std::string_view::npos, "the accept key is there");
        require(h.subprotocol.find_first_of("\r\n ,") == std::string::npos, "the subprotocol is one token");
    } else {
        require(h.status == 400 || h.status == 426, "refusals are 400 or 426");
        require(std::find(failures.begin(), failures.end(), h.failure) != failures.end(), "the failure is listed");
        require(h.response_head.empty(), "no 101 head on a refusal");
    }
    return 0;
}
