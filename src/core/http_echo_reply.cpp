// JSON by hand, like the log lines: the document's keys are fixed, and what needs
// care is escaping bytes a client chose, which is tested here for every byte.
#include "core/http_echo_reply.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>

namespace echo::core {

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string hex_of(const std::uint8_t* p, std::size_t n) {
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += kHex[p[i] >> 4];
        out += kHex[p[i] & 15];
    }
    return out;
}

std::string body_sha256_hex(const http_request& q) {
    if (!q.body_kept) {
        return hex_of(q.body_sha256.data(), q.body_sha256.size());
    }
    std::uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(q.body.data(), q.body.size(), digest, &len, EVP_sha256(), nullptr);
    return hex_of(digest, len);
}

std::string base64(std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const auto v = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                       static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (const auto left = in.size() - i; left > 0) {
        auto v = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16;
        if (left == 2) {
            v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
        }
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// Length of the valid UTF-8 sequence at the start of `s`, or 0 (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF).
std::size_t utf8_length(std::string_view s) noexcept {
    const auto b = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned c = b(0);
    std::size_t n = 0;
    unsigned low = 0x80, high = 0xbf;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        low = c == 0xe0 ? 0xa0 : 0x80;
        high = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        low = c == 0xf0 ? 0x90 : 0x80;
        high = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (s.size() < n || b(1) < low || b(1) > high) {
        return 0;
    }
    for (std::size_t i = 2; i < n; ++i) {
        if (b(i) < 0x80 || b(i) > 0xbf) {
            return 0;
        }
    }
    return n;
}

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
std::string utc_text(std::int64_t ns) {
    const std::int64_t us = ns / 1000;
    std::int64_t secs = us / 1'000'000;
    const std::int64_t frac = us % 1'000'000;
    const std::int64_t days = secs / 86400;
    secs %= 86400;
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", y, m, d, secs / 3600,
                       secs / 60 % 60, secs % 60, frac);
}

double ms_between(std::int64_t from, std::int64_t to) {
    return static_cast<double>(to - from) / 1e6;
}

std::string_view tls_fact(const echo_origin& o, std::string_view key) {
    for (const auto& [k, v] : o.tls_facts) {
        if (k == key) {
            return v;
        }
    }
    return {};
}

// HTTP/2 has no minor version in its name.
std::string version_text(const http_request& q) {
    return q.version_major >= 2 ? fmt::format("HTTP/{}", q.version_major)
                                : fmt::format("HTTP/{}.{}", q.version_major, q.version_minor);
}

constexpr std::pair<std::string_view, std::string_view> kTlsKeys[] = {
    {"sni", "sni"},         {"alpn", "alpn"},           {"version", "tls_version"},
    {"cipher", "cipher"},   {"client_subject", "client_cert"}, {"client_verify", "client_verify"}};

std::string json_document(const echo_document_input& in) {
    const auto& q = in.request;
    std::string out;
    out.reserve(512 + q.target.size() * 2 + q.body.size() * 2 + q.headers.size() * 48);
    const auto key = [&out](std::string_view k) {
        out += '"';
        out += k;
        out += "\":";
    };
    const auto text = [&](std::string_view k, std::string_view v) {
        key(k);
        append_json_string(out, v);
        out += ',';
    };
    out += '{';
    text("method", q.method);
    text("target", q.target);
    text("path", q.path);
    text("query", q.query);
    text("version", version_text(q));
    key("headers");
    out += '[';
    for (std::size_t i = 0; i < q.headers.size(); ++i) {
        out += i == 0 ? "[" : ",[";
        append_json_string(out, q.headers[i].name);
        out += ',';
        append_json_string(out, q.headers[i].value);
        out += ']';
    }
    out += "],";
    if (!q.body_kept) {
        out += "\"body\":null,\"body_encoding\":null,";
    } else if (is_utf8(q.body)) {
        text("body", q.body);
        text("body_encoding", "utf-8");
    } else {
        text("body", base64(q.body));
        text("body_encoding", "base64");
    }
    out += fmt::format("\"body_size\":{},\"body_sha256\":\"{}\",", q.body_size, body_sha256_hex(q));
    const auto endpoint = [&](std::string_view k, std::string_view address, std::uint16_t port) {
        key(k);
        out += "{\"address\":";
        append_json_string(out, address);
        out += fmt::format(",\"port\":{}}},", port);
    };
    endpoint("client", in.origin.client_address, in.origin.client_port);
    endpoint("peer", in.origin.peer_address, in.origin.peer_port);
    if (in.origin.tls) {
        key("tls");
        out += '{';
        for (const auto& [name, fact] : kTlsKeys) {
            text(name, tls_fact(in.origin, fact));
        }
        out.back() = '}';
        out += ',';
    }
    key("server");
    out += '{';
    text("hostname", in.server.hostname);
    text("listener", in.listener);
    for (const auto& [name, value] : in.server.environment) {
        text(name, value);
    }
    out.back() = '}';
    out += fmt::format(
        ",\"timing\":{{\"received_at\":\"{}\",\"head_ms\":{:.3f},\"body_ms\":{:.3f}}}}}\n",
        utc_text(q.started_ns + in.wall_offset_ns), ms_between(q.started_ns, q.head_ns),
        ms_between(q.head_ns, q.done_ns));
    return out;
}

// Plain text for people: the request as it came, then what the server knows.
// Client-chosen bytes pass unchanged: it is a text/plain body, not a log.
std::string text_document(const echo_document_input& in) {
    const auto& q = in.request;
    std::string out = fmt::format("{} {} {}\n", q.method, q.target, version_text(q));
    for (const auto& h : q.headers) {
        out += h.name + ": " + h.value + "\n";
    }
    out += "\n";
    out += fmt::format("client: {} port {}\npeer: {} port {}\n", in.origin.client_address,
                       in.origin.client_port, in.origin.peer_address, in.origin.peer_port);
    if (in.origin.tls) {
        for (const auto& [name, fact] : kTlsKeys) {
            out += fmt::format("tls {}: {}\n", name, tls_fact(in.origin, fact));
        }
    }
    out += fmt::format("server: {}\nlistener: {}\n", in.server.hostname, in.listener);
    for (const auto& [name, value] : in.server.environment) {
        out += fmt::format("{}: {}\n", name, value);
    }
    out += fmt::format("received_at: {}\nbody_size: {}\nbody_sha256: {}\n",
                       utc_text(q.started_ns + in.wall_offset_ns), q.body_size, body_sha256_hex(q));
    if (q.body_kept && !q.body.empty()) {
        out += "\n" + q.body;
    }
    return out;
}

}  // namespace

bool is_utf8(std::string_view bytes) noexcept {
    while (!bytes.empty()) {
        const auto n = utf8_length(bytes);
        if (n == 0) {
            return false;
        }
        bytes.remove_prefix(n);
    }
    return true;
}

void append_json_string(std::string& out, std::string_view bytes) {
    out += '"';
    while (!bytes.empty()) {
        const auto c = static_cast<unsigned char>(bytes.front());
        const auto n = utf8_length(bytes);
        if (n == 0) {
            out += "\\ufffd";
            bytes.remove_prefix(1);
            continue;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out.append(bytes.data(), n);
        }
        bytes.remove_prefix(n);
    }
    out += '"';
}

std::string echo_document(const echo_document_input& in, reply_format format) {
    return format == reply_format::text ? text_document(in) : json_document(in);
}

echo_answer answer_of(const echo_document_input& in, echo_controls& controls) {
    const auto& q = in.request;
    echo_answer a;
    a.status = controls.status;
    a.content_type = "application/json";
    if (!controls.error.empty()) {
        a.status = 400;
        a.content_type = "text/plain; charset=utf-8";
        a.body = controls.error + "\n";
        controls.set_headers.clear();
        controls.delay = {};
    } else if (controls.size) {
        a.filler = *controls.size;
        a.content_type = "application/octet-stream";
    } else if (controls.format == reply_format::body) {
        a.content_type = "application/octet-stream";
        if (q.body_kept) {
            a.body = q.body;
        } else {
            a.status = 413;
            a.content_type = "text/plain; charset=utf-8";
            a.body = "format=body echoes bodies up to body_limit only\n";
        }
    } else {
        if (controls.format == reply_format::text) {
            a.content_type = "text/plain; charset=utf-8";
        }
        a.body = echo_document(in, controls.format);
    }
    return a;
}

std::span<const std::byte> filler_pattern() noexcept {
    static const auto pattern = [] {
        std::array<std::byte, 16 * 1024> p{};
        constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789\n";
        for (std::size_t i = 0; i < p.size(); ++i) {
            p[i] = static_cast<std::byte>(kAlphabet[i % kAlphabet.size()]);
        }
        return p;
    }();
    return pattern;
}

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 413: return "Content Too Large";
        case 418: return "I'm a teapot";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
        default: return "Status";
    }
}

bool has_body(int status, std::string_view method) noexcept {
    return method != "HEAD" && status != 204 && status != 304 && status >= 200;
}

void append_head(std::string& out, const reply_head& head) {
    out += fmt::format("HTTP/1.1 {} {}\r\n", head.status, reason_phrase(head.status));
    if (head.status != 204 && head.status != 304) {
        out += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", head.content_type,
                           head.content_length);
    }
    if (head.close) {
        out += "Connection: close\r\n";
    } else if (head.keep_alive_1_0) {
        out += "Connection: keep-alive\r\n";
    }
    if (head.extra != nullptr) {
        for (const auto& h : *head.extra) {
            out += h.name;
            out += ": ";
            out += h.value;
            out += "\r\n";
        }
    }
    out += "\r\n";
}

}  // namespace echo::core
