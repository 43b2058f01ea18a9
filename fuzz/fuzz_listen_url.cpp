// Fuzzes --listen URLs, one per line: a URL that parses writes itself canonically in a
// form that parses back to the same listener, and a list never holds one twice.
#include "core/listen_url.hpp"
#include "property.hpp"

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

bool same_listener(const core::listen_url& a, const core::listen_url& b) {
    return a.kind == b.kind && a.host == b.host && a.scope == b.scope && a.port == b.port &&
           a.path == b.path && a.abstract == b.abstract;
}

bool in(const std::optional<int>& v, int low, int high) {
    return !v || (*v >= low && *v <= high);
}

// An accepted URL's socket options are within the kernel's ranges and belong to it.
void check_socket_options(const core::listen_url& url) {
    const auto& o = url.sockopts;
    require(in(o.sndbuf, core::kMinSocketBuffer, core::kMaxSocketBuffer) &&
                in(o.rcvbuf, core::kMinSocketBuffer, core::kMaxSocketBuffer),
            "a buffer size is in range");
    require(!(o.tos && o.dscp), "tos and dscp are never both set");
    require(in(o.traffic_class(), 0, 255), "the traffic class is a byte");
    require(in(o.mss, core::kMinMss, core::kMaxMss), "an mss is in the kernel's range");
    require(in(o.fastopen, 1, 65535) && in(o.defer_accept, 1, 3600) && in(o.user_timeout, 1, INT_MAX),
            "a TCP listener option is in range");
    require(!o.keepalive || (in(o.keepalive->idle, 1, 32767) &&
                             in(o.keepalive->interval, 1, 32767) && in(o.keepalive->count, 1, 127)),
            "keepalive times are in the kernel's ranges");
    require(o.cc.size() <= core::kMaxCongestionName, "a cc name fits TCP_CA_NAME_MAX");
    const bool tcp_only = o.keepalive || o.mss || !o.cc.empty() || o.fastopen || o.defer_accept ||
                          o.user_timeout || !o.nodelay;
    const bool ip_only = o.sndbuf || o.rcvbuf || o.tos || o.dscp || o.mark || o.freebind;
    require(!tcp_only || url.kind == core::transport::tcp, "TCP options only on tcp://");
    require(!ip_only || url.kind != core::transport::unix_stream, "no socket options on unix:");
}

void check_tls(const core::listen_url& url, std::string_view text) {
    require(url.tls.has_value() == (text.starts_with("tls://") || text.starts_with("unix+tls:") ||
                                    text.starts_with("https://")),
            "TLS settings exactly on tls://, unix+tls: and https://");
    if (!url.tls) {
        return;
    }
    const auto& t = *url.tls;
    require(!t.identities.empty() && t.identities.size() <= 64, "1-64 cert/key pairs");
    for (const auto& id : t.identities) {
        require(!id.cert.empty() && !id.key.empty(), "every cert has its key");
    }
    require(t.verify == core::tls_verify::none || !t.ca.empty(), "verification needs a CA");
    require(t.handshake_timeout.count() >= 1 && t.handshake_timeout.count() <= 3'600'000,
            "handshake_timeout is 1 ms-1 h");
    require(t.alpn.size() <= 16, "at most 16 ALPN ids");
    for (const auto& id : t.alpn) {
        require(!id.empty() && id.size() <= 255 && id.find(',') == std::string::npos,
                "an ALPN id is 1-255 bytes");
    }
}

void check_proxy(const core::listen_url& url) {
    if (!url.proxy) {
        return;
    }
    const auto& p = *url.proxy;
    require(url.kind != core::transport::udp, "no PROXY header on UDP");
    require(p.mode_given, "PROXY keys alone enable nothing");
    require((p.mode == core::proxy_mode::optional) == !p.from.empty(),
            "proxy_from exactly with proxy=optional");
    require(p.from.size() <= 64, "at most 64 proxy_from networks");
    require(p.timeout.count() >= 1 && p.timeout.count() <= 3'600'000, "proxy_timeout is 1 ms-1 h");
    for (const auto& r : p.from) {
        require(r.bits <= 128 && r.contains(r.network), "a network holds its own address");
    }
}

void check_http(const core::listen_url& url, std::string_view text) {
    require(url.http.has_value() == (text.starts_with("http://") || text.starts_with("https://")),
            "HTTP settings exactly on http:// and https://");
    if (!url.http) {
        return;
    }
    const auto& h = *url.http;
    require(url.kind == core::transport::tcp, "HTTP over TCP");
    require(h.limits.body_limit <= h.limits.max_body, "body_limit within max_body");
    require(h.limits.max_headers >= 1 && h.limits.max_head >= 64, "head limits are usable");
    require(h.request_timeout.count() >= 1 && h.request_timeout.count() <= 3'600'000,
            "request_timeout is 1 ms-1 h");
    const auto& ws = h.websocket;
    require(ws.session.max_message >= 1 && ws.session.max_message <= core::kMaxWebsocketMessageCap,
            "ws_max_message is 1 B-64 MiB");
    require(ws.protocols.size() <= core::kMaxWebsocketProtocols, "at most 16 ws_protocols");
    for (std::size_t i = 0; i < ws.protocols.size(); ++i) {
        require(core::is_http_token(ws.protocols[i]), "a subprotocol is a token (no CR, LF, space)");
        for (std::size_t j = 0; j < i; ++j) {
            require(ws.protocols[i] != ws.protocols[j], "a subprotocol is listed once");
        }
    }
}

void check_one(std::string_view text) {
    auto parsed = core::parse_listen_url(text);
    if (const auto* err = std::get_if<core::listen_url_error>(&parsed)) {
        require(err->message.starts_with("--listen '"), "an error names the URL");
        return;
    }
    const auto& url = std::get<core::listen_url>(parsed);
    require(url.text == text, "text is the URL as given");
    if (url.kind == core::transport::unix_stream) {
        require(!url.path.empty() && url.path.size() <= 107, "a unix path fits sun_path");
        require(url.host.empty() && url.port == 0 && !url.ipv6only, "unix has no IP parts");
    } else {
        require(url.path.empty() && !url.abstract && !url.mode, "tcp/udp have no path parts");
    }
    require(!url.backlog || *url.backlog >= 1, "a backlog is positive");
    require(!url.mode || *url.mode <= 0777, "a mode is permission bits");
    check_socket_options(url);
    check_tls(url, text);
    check_proxy(url);
    check_http(url, text);

    const auto canonical = url.canonical();
    auto again = core::parse_listen_url(canonical);
    require(std::holds_alternative<core::listen_url>(again), "the canonical form parses");
    const auto& same = std::get<core::listen_url>(again);
    require(same_listener(url, same), "the canonical form names the same listener");
    require(same.canonical() == canonical, "the canonical form is a fixed point");
}

std::vector<std::string> lines(std::string_view input) {
    std::vector<std::string> out;
    while (!input.empty()) {
        const auto nl = input.find('\n');
        out.emplace_back(input.substr(0, nl));
        input = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto urls = lines({reinterpret_cast<const char*>(data), size});
    for (const auto& url : urls) {
        check_one(url);
    }
    auto parsed = core::parse_listen_urls(urls);
    const auto* list = std::get_if<std::vector<core::listen_url>>(&parsed);
    if (list == nullptr) {
        return 0;
    }
    require(list->size() == urls.size(), "every URL of the list is kept");
    for (std::size_t i = 0; i < list->size(); ++i) {
        for (std::size_t j = i + 1; j < list->size(); ++j) {
            require(!same_listener((*list)[i], (*list)[j]), "a list holds no listener twice");
        }
    }
    if (!urls.empty()) {
        urls.push_back(urls.front());
        require(std::holds_alternative<core::listen_url_error>(core::parse_listen_urls(urls)),
                "a repeated URL is refused");
    }
    return 0;
}
