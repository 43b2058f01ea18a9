// Strict on purpose: a typo in a target should fail before any load is generated.
#include "core/target_url.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>

namespace echo::core {

namespace {

url_error bad(std::string_view url, std::string_view why) {
    return {"bad target '" + std::string{url} + "': " + std::string{why}};
}

// The schemes that name a transport and the application carried over it.
struct scheme_meaning {
    std::string_view name;
    std::string_view transport;
    bool tls;
    std::string_view application;
};
constexpr scheme_meaning kSchemes[] = {
    {"tcp", "tcp", false, ""},   {"udp", "udp", false, ""},    {"tls", "tcp", true, ""},
    {"http", "tcp", false, "http"}, {"https", "tcp", true, "http"},
    {"ws", "tcp", false, "ws"},  {"wss", "tcp", true, "ws"},
};

// A request target written into a request line as it is: visible ASCII only, so no
// space, CR or LF can split the line, and no fragment (never sent to a server).
bool valid_resource(std::string_view r) {
    if (!r.starts_with('/') || r.size() > kMaxResource) {
        return false;
    }
    for (const char ch : r) {
        if (ch <= 0x20 || ch >= 0x7f || ch == '#') {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string target_url::to_string() const {
    if (scheme == "unix") {
        return std::string{tls ? "unix+tls:" : "unix:"} + (abstract ? "@" : "") + path;
    }
    std::string name = scheme;
    for (const auto& s : kSchemes) {
        if (s.transport == scheme && s.tls == tls && s.application == application) {
            name = s.name;
        }
    }
    const bool v6 = host.find(':') != std::string::npos;
    return name + "://" + (v6 ? "[" : "") + host + (v6 ? "]" : "") + ":" + std::to_string(port) +
           resource;
}

std::variant<target_url, url_error> parse_target_url(std::string_view url) {
    target_url t;
    t.tls = url.starts_with("unix+tls:");
    if (t.tls || url.starts_with("unix:")) {
        const std::string_view rest = url.substr(t.tls ? 9 : 5);
        t.scheme = "unix";
        t.abstract = rest.starts_with('@');
        t.path = std::string{rest.substr(t.abstract ? 1 : 0)};
        if (t.path.empty() || t.path.size() > 107) {
            return bad(url, "expected unix:/path or unix:@name (at most 107 bytes)");
        }
        return t;
    }
    const auto sep = url.find("://");
    if (sep == std::string_view::npos) {
        return bad(url, "expected tcp://HOST:PORT, tls://HOST:PORT, udp://HOST:PORT, "
                        "http(s)://HOST:PORT, ws(s)://HOST:PORT or unix:/path");
    }
    const std::string_view name = url.substr(0, sep);
    const auto* meaning = std::find_if(std::begin(kSchemes), std::end(kSchemes),
                                       [&](const scheme_meaning& s) { return s.name == name; });
    if (meaning == std::end(kSchemes)) {
        return bad(url, "unsupported scheme '" + std::string{name} +
                            "' (supported: tcp, tls, udp, http, https, ws, wss, unix, unix+tls)");
    }
    // TLS and the application are layers over a stream transport, so the scheme keeps
    // naming the transport.
    t.scheme = meaning->transport;
    t.tls = meaning->tls;
    t.application = meaning->application;
    std::string_view rest = url.substr(sep + 3);
    if (!t.application.empty()) {
        const auto slash = rest.find('/');
        if (slash != std::string_view::npos) {
            t.resource = std::string{rest.substr(slash)};
            rest = rest.substr(0, slash);
            if (!valid_resource(t.resource)) {
                return bad(url, "the request target after the port is /PATH?QUERY in visible "
                                "ASCII, without '#', at most 4096 bytes");
            }
        }
    }
    std::string_view port_text;
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() ||
            rest[close + 1] != ':') {
            return bad(url, "expected [IPv6]:PORT");
        }
        t.host = std::string{rest.substr(1, close - 1)};
        port_text = rest.substr(close + 2);
    } else {
        const auto colon = rest.rfind(':');
        if (colon == std::string_view::npos || rest.find(':') != colon) {
            return bad(url, "expected HOST:PORT (IPv6 literals go in brackets)");
        }
        t.host = std::string{rest.substr(0, colon)};
        port_text = rest.substr(colon + 1);
    }
    if (t.host.empty()) {
        return bad(url, "missing host");
    }
    // A bracket left in the host would be written back as a different target.
    if (t.host.find_first_of("[]") != std::string::npos) {
        return bad(url, "brackets only enclose an IPv6 literal: [::1]:PORT");
    }
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
        return bad(url, "port must be 1-65535");
    }
    t.port = static_cast<std::uint16_t>(port);
    return t;
}

}  // namespace echo::core
