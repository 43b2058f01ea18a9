// The HTTP echo's answer to one request: the document that says what arrived
// (JSON with a stable schema, or plain text), and the status line and headers
// around any body. Pure: strings in, strings out.
#pragma once

#include "core/http_echo_controls.hpp"
#include "core/http_request.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace echo::core {

// Who asked, and through what: the client a PROXY header named (else the socket's
// peer), the socket's peer, and the TLS session when there is one.
struct echo_origin {
    std::string client_address;
    std::uint16_t client_port = 0;
    std::string peer_address;
    std::uint16_t peer_port = 0;
    bool tls = false;
    // sni, alpn, tls_version, cipher, client_cert (subject), client_verify
    std::vector<std::pair<std::string_view, std::string>> tls_facts;
};

// The server's identity, read once at start: host name and the Downward API names
// that were set (POD_NAME, POD_NAMESPACE, NODE_NAME, SERVICE_NAME), nothing else.
struct echo_server_facts {
    std::string hostname;
    std::vector<std::pair<std::string, std::string>> environment;
};

struct echo_document_input {
    const http_request& request;
    const echo_origin& origin;
    const echo_server_facts& server;
    std::string_view listener;
    std::int64_t wall_offset_ns = 0;  // wall clock = the request's steady times + this
};

// The JSON or text document for `format` (json or text).
[[nodiscard]] std::string echo_document(const echo_document_input& in, reply_format format);

// What a request is answered with, as its controls ask (HTTP/1 and HTTP/2 alike):
// a wrong control gives 400 with its reason and drops the other controls (the
// caller counts it); ?size= asks for `filler` bytes of filler_pattern(), which
// are streamed, never held; format=body returns the body when it was kept.
struct echo_answer {
    int status = 200;
    std::string_view content_type;
    std::string body;
    std::uint64_t filler = 0;
};
[[nodiscard]] echo_answer answer_of(const echo_document_input& in, echo_controls& controls);

// ?size= bodies repeat this pattern, so a large one costs no memory.
[[nodiscard]] std::span<const std::byte> filler_pattern() noexcept;

// The status line and headers; `content_length` is the body that follows (none
// for HEAD, 1xx, 204 and 304, whose length is still announced where it applies).
struct reply_head {
    int status = 200;
    std::string_view content_type;
    std::uint64_t content_length = 0;
    bool close = false;            // Connection: close
    bool keep_alive_1_0 = false;   // an HTTP/1.0 client asked to keep it: say yes
    const std::vector<http_header>* extra = nullptr;
};
void append_head(std::string& out, const reply_head& head);

[[nodiscard]] std::string_view reason_phrase(int status) noexcept;
// Whether a response with this status and method carries a body.
[[nodiscard]] bool has_body(int status, std::string_view method) noexcept;

// `bytes` as a JSON string with its quotes: valid UTF-8 passes, control
// characters are escaped, and each byte that is not UTF-8 becomes U+FFFD.
void append_json_string(std::string& out, std::string_view bytes);
[[nodiscard]] bool is_utf8(std::string_view bytes) noexcept;

}  // namespace echo::core
