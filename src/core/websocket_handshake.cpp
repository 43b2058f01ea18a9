// The opening handshake's checks in the order a client most needs to hear about
// them: the request's form, then the WebSocket version (426 tells a client what to
// speak), then the key and the subprotocol offer.
#include "core/websocket_handshake.hpp"

#include "core/websocket_settings.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

namespace echo::core {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

constexpr std::array<std::string_view, 8> kFailures{
    "method", "http_version", "upgrade", "connection", "host", "ws_version", "key", "protocol"};

constexpr char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Calls `each` on every non-empty element of the comma lists of every `name`
// header, in order, trimmed; stops early when `each` returns true.
template <typename Each>
bool any_list_element(std::span<const http_header_view> headers, std::string_view name, Each each) {
    for (const auto& h : headers) {
        if (!iequals(h.name, name)) continue;
        std::string_view rest = h.value;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const auto element = trim(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            if (!element.empty() && each(element)) return true;
        }
    }
    return false;
}

bool has_token(std::span<const http_header_view> headers, std::string_view name, std::string_view token) {
    return any_list_element(headers, name, [&](std::string_view e) { return iequals(e, token); });
}

// The only value of header `name`, or null when it is missing or repeated.
const http_header_view* single(std::span<const http_header_view> headers, std::string_view name) {
    const http_header_view* found = nullptr;
    for (const auto& h : headers) {
        if (!iequals(h.name, name)) continue;
        if (found != nullptr) return nullptr;
        found = &h;
    }
    return found;
}

bool present(std::span<const http_header_view> headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const http_header_view& h) { return iequals(h.name, name); });
}

bool is_base64_digit(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

websocket_handshake refuse(std::string_view failure, int status = 400) {
    websocket_handshake h;
    h.status = status;
    h.failure = failure;
    if (status == 426) h.error_headers = "Sec-WebSocket-Version: 13\r\n";
    return h;
}

}  // namespace

bool asks_for_websocket(std::span<const http_header_view> headers) noexcept {
    return has_token(headers, "upgrade", "websocket");
}

bool valid_websocket_key(std::string_view key) noexcept {
    // 16 bytes are 22 digits and two pads; the last digit's spare bits are not
    // checked, as decoders ignore them.
    return key.size() == 24 && key.substr(22) == "==" &&
           std::all_of(key.begin(), key.begin() + 22, is_base64_digit);
}

std::string websocket_accept_key(std::string_view client_key) {
    std::string input{client_key};
    input += kGuid;
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_size = 0;
    EVP_Digest(input.data(), input.size(), digest.data(), &digest_size, EVP_sha1(), nullptr);
    std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> text{};
    const int text_size = EVP_EncodeBlock(text.data(), digest.data(), static_cast<int>(digest_size));
    return {reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(text_size)};
}

websocket_handshake evaluate_websocket_upgrade(const websocket_upgrade_request& request,
                                               std::span<const std::string> protocols) {
    const auto headers = request.headers;
    if (request.method != "GET") return refuse("method");
    if (request.http_major < 1 || (request.http_major == 1 && request.http_minor < 1)) {
        return refuse("http_version");
    }
    if (!asks_for_websocket(headers)) return refuse("upgrade");
    if (!has_token(headers, "connection", "upgrade")) return refuse("connection");
    if (!present(headers, "host")) return refuse("host");
    if (!present(headers, "sec-websocket-version")) return refuse("ws_version");
    const auto* version = single(headers, "sec-websocket-version");
    if (version == nullptr || trim(version->value) != "13") return refuse("ws_version", 426);
    const auto* key = single(headers, "sec-websocket-key");
    if (key == nullptr || !valid_websocket_key(trim(key->value))) return refuse("key");

    std::string_view chosen;
    bool malformed_offer = false;
    any_list_element(headers, "sec-websocket-protocol", [&](std::string_view offer) {
        if (!is_http_token(offer)) return malformed_offer = true;
        if (!chosen.empty()) return false;
        for (const auto& p : protocols) {
            if (p == "*" || p == offer) chosen = offer;
        }
        return false;
    });
    if (malformed_offer) return refuse("protocol");

    websocket_handshake h;
    h.accepted = true;
    h.status = 101;
    h.subprotocol = chosen;
    h.response_head =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " + websocket_accept_key(trim(key->value)) + "\r\n";
    if (!chosen.empty()) h.response_head += "Sec-WebSocket-Protocol: " + h.subprotocol + "\r\n";
    h.response_head += "\r\n";
    return h;
}

std::span<const std::string_view> websocket_upgrade_failures() noexcept { return kFailures; }

}  // namespace echo::core
