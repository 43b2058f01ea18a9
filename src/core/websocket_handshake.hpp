// The server side of the WebSocket opening handshake (RFC 6455 §4.2): decides on a
// request's method, version and headers whether it is a valid upgrade, and writes
// the 101 answer (Sec-WebSocket-Accept, the chosen subprotocol) or names the error.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace echo::core {

// One request header as it arrived; names compare case-insensitively. Views into
// the caller's request, valid for the call.
struct http_header_view {
    std::string_view name;
    std::string_view value;
};

struct websocket_upgrade_request {
    std::string_view method;
    unsigned http_major = 1;
    unsigned http_minor = 1;
    std::span<const http_header_view> headers;
};

// True when an Upgrade header names the token "websocket": the request asks for a
// WebSocket session, and evaluate_websocket_upgrade() has the last word on it. Any
// other request is the HTTP application's.
[[nodiscard]] bool asks_for_websocket(std::span<const http_header_view> headers) noexcept;

struct websocket_handshake {
    bool accepted = false;
    // 101 when accepted; else 400, or 426 when the client speaks another version.
    int status = 400;
    // Not accepted: one of websocket_upgrade_failures(), a short stable name.
    std::string_view failure;
    // Accepted: the whole answer head, "HTTP/1.1 101 Switching Protocols" to the
    // blank line; the session's bytes follow it.
    std::string response_head;
    // Not accepted: header lines the error answer must carry (426 names version 13),
    // each ending in CRLF.
    std::string error_headers;
    std::string subprotocol;  // accepted: the one chosen, or empty
};

// `protocols` is the listener's ws_protocols= list. The first protocol the client
// offers that is on it is chosen (the client lists its preference first); "*" on the
// list takes the client's first offer, whatever it is. No match: no subprotocol, and
// the client decides whether to go on. Extensions offered are declined by silence.
[[nodiscard]] websocket_handshake evaluate_websocket_upgrade(
    const websocket_upgrade_request& request, std::span<const std::string> protocols);

// Every failure evaluate_websocket_upgrade() names, for metrics labels.
[[nodiscard]] std::span<const std::string_view> websocket_upgrade_failures() noexcept;

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)).
[[nodiscard]] std::string websocket_accept_key(std::string_view client_key);

// True for what a client must send as Sec-WebSocket-Key: base64 of 16 bytes.
[[nodiscard]] bool valid_websocket_key(std::string_view key) noexcept;

}  // namespace echo::core
