// Strict by design: an option that does not belong to a transport, or a value that
// does not parse, names the URL and the option, so a typo never binds something else.
#include "core/listen_url.hpp"

#include "core/whole_number.hpp"

#include <algorithm>
#include <map>

namespace echo::core {

namespace {

listen_url_error bad(std::string_view url, const std::string& why) {
    return {"--listen '" + std::string{url} + "': " + why};
}

std::optional<std::string> host_port(std::string_view rest, listen_url& out) {
    std::string_view port_text;
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos || rest.substr(close + 1, 1) != ":") {
            return "expected [IPv6]:PORT";
        }
        std::string_view inside = rest.substr(1, close - 1);
        if (const auto pct = inside.find('%'); pct != std::string_view::npos) {
            out.scope = std::string{inside.substr(pct + 1)};
            inside = inside.substr(0, pct);
            if (out.scope.empty()) {
                return "empty IPv6 scope after '%'";
            }
        }
        out.host = std::string{inside};
        port_text = rest.substr(close + 2);
    } else {
        const auto colon = rest.rfind(':');
        if (colon == std::string_view::npos || rest.find(':') != colon) {
            return "expected HOST:PORT (IPv6 literals go in brackets)";
        }
        out.host = std::string{rest.substr(0, colon)};
        port_text = rest.substr(colon + 1);
        // Brackets and '%' only mean something inside brackets; a host holding them
        // would be written canonically as a different listener.
        if (out.host.find_first_of("[]%") != std::string::npos) {
            return "'[', ']' and '%' belong in a bracketed address: [fe80::1%eth0]:PORT";
        }
    }
    const auto port = whole_number<unsigned>(port_text);
    if (!port || *port > 65535) {
        return "port must be 0-65535";
    }
    out.port = static_cast<std::uint16_t>(*port);
    return std::nullopt;
}

std::optional<std::string> take_service(std::string_view value, listen_url& out) {
    if (out.http) {
        return std::string{"service= does not go with http:// or https:// (those answer HTTP)"};
    }
    const auto kind = parse_service_kind(value);
    if (!kind) {
        return std::string{"service must be echo, discard, chargen, daytime or time"};
    }
    out.service = *kind;
    return std::nullopt;
}

std::optional<std::string> option(std::string_view key, std::string_view value, listen_url& out) {
    const bool ip = out.kind != transport::unix_stream;
    if (key == "backlog" && out.kind != transport::udp) {
        const auto v = whole_number<int>(value);
        if (!v || *v < 1) {
            return "backlog must be a positive number";
        }
        out.backlog = *v;
    } else if (key == "ipv6only" && ip) {
        if (value != "0" && value != "1") {
            return "ipv6only must be 0 or 1";
        }
        out.ipv6only = value == "1";
    } else if (key == "mode" && !ip && !out.abstract) {
        const auto v = whole_number<unsigned>(value, 8);
        if (!v || *v > 0777) {
            return "mode must be octal permission bits, e.g. 0660";
        }
        out.mode = *v;
    } else if (key == "service") {
        return take_service(value, out);
    } else if (key == "chargen_from" && out.kind == transport::udp) {
        if (auto problem = parse_address_ranges(value, out.chargen_from)) {
            return "chargen_from: " + *problem;
        }
    } else if (auto http = out.http ? take_http_key(key, value, *out.http) : std::nullopt) {
        return http->empty() ? std::nullopt : http;
    } else if (auto taken = out.tls ? take_tls_key(key, value, *out.tls) : std::nullopt) {
        return taken->empty() ? std::nullopt : taken;
    } else if (auto took = out.kind != transport::udp ? take_proxy_key(key, value, out.proxy)
                                                      : std::nullopt) {
        return took->empty() ? std::nullopt : took;
    } else if (auto fault = out.kind != transport::udp
                                ? take_stream_fault_key(key, value, out.faults)
                                : take_datagram_fault_key(key, value, out.udp_faults)) {
        if (!fault->empty()) {
            return fault;
        }
        out.fault_keys.emplace_back(key, value);
    } else {
        return out.sockopts.set(out.kind, key, value);  // the rest, or "unknown option"
    }
    return std::nullopt;
}

std::optional<std::string> options(std::string_view query, listen_url& out) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) {
            return "option '" + std::string{pair} + "' needs a value (name=value)";
        }
        if (auto problem = option(pair.substr(0, eq), pair.substr(eq + 1), out)) {
            return problem;
        }
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    }
    return std::nullopt;
}

std::optional<std::string> unix_path(std::string_view rest, listen_url& out) {
    out.kind = transport::unix_stream;
    out.abstract = rest.starts_with('@');
    out.path = std::string{out.abstract ? rest.substr(1) : rest};
    if (out.path.empty()) {
        return "missing socket path";
    }
    if (out.path.size() > 107) {
        return "socket path longer than 107 bytes";
    }
    return std::nullopt;
}

// An https:// listener offers h2 then http/1.1 unless the user chose the list; a
// list with h2 on a listener with h2=0 would promise what the server will not speak.
std::optional<std::string> offer_http_protocols(const http_settings& http, tls_settings& tls) {
    if (tls.alpn.empty()) {
        tls.alpn = http.h2 ? std::vector<std::string>{"h2", "http/1.1"}
                           : std::vector<std::string>{"http/1.1"};
        return std::nullopt;
    }
    if (!http.h2 && std::find(tls.alpn.begin(), tls.alpn.end(), "h2") != tls.alpn.end()) {
        return std::string{"alpn offers h2 but h2=0"};
    }
    return std::nullopt;
}

}  // namespace

std::string listen_url::canonical() const {
    if (kind == transport::unix_stream) {
        return std::string{"unix:"} + (abstract ? "@" : "") + path;
    }
    // Always bracketed, with the scope only when there is one: a URL that parses again.
    // A tls://, http:// or https:// listener binds a TCP port, so it is written as
    // the TCP one it would clash with.
    return std::string{kind == transport::tcp ? "tcp" : "udp"} + "://[" + host +
           (scope.empty() ? "" : "%" + scope) + "]:" + std::to_string(port);
}

std::variant<listen_url, listen_url_error> parse_listen_url(std::string_view url) {
    listen_url out;
    out.text = std::string{url};
    const auto q = url.find('?');
    const std::string_view base = url.substr(0, q);
    std::optional<std::string> problem;
    if (base.starts_with("tcp://") || base.starts_with("udp://")) {
        out.kind = base.starts_with("tcp") ? transport::tcp : transport::udp;
        problem = host_port(base.substr(6), out);
    } else if (base.starts_with("tls://")) {
        out.tls.emplace();
        problem = host_port(base.substr(6), out);
    } else if (base.starts_with("http://")) {
        out.http.emplace();
        problem = host_port(base.substr(7), out);
    } else if (base.starts_with("https://")) {
        out.http.emplace();
        out.tls.emplace();
        problem = host_port(base.substr(8), out);
    } else if (base.starts_with("unix:")) {
        problem = unix_path(base.substr(5), out);
    } else if (base.starts_with("unix+tls:")) {
        out.tls.emplace();
        problem = unix_path(base.substr(9), out);
    } else {
        problem = "unknown scheme (use tcp://HOST:PORT, udp://HOST:PORT, tls://HOST:PORT, "
                  "http://HOST:PORT, https://HOST:PORT, unix:/path, unix:@name or unix+tls:/path)";
    }
    if (!problem && q != std::string_view::npos) {
        problem = options(url.substr(q + 1), out);
    }
    if (!problem && out.tls) {
        problem = finish_tls_settings(*out.tls);
    }
    if (!problem && out.http) {
        problem = finish_http_settings(*out.http);
    }
    if (!problem && out.http && out.tls) {
        problem = offer_http_protocols(*out.http, *out.tls);
    }
    if (!problem) {
        problem = finish_datagram_faults(out.udp_faults);
    }
    if (!problem) {
        problem = finish_proxy_settings(out.proxy, out.kind == transport::unix_stream);
    }
    if (!problem && !out.chargen_from.empty() && out.service != service_kind::chargen) {
        problem = "chargen_from goes with service=chargen";
    }
    if (!problem) {
        problem = finish_stream_faults(out.faults);
    }
    // A UDP service's reply is shared, read-only bytes (chargen's pattern): the
    // datagram faults, which flip, copy and hold what came in, work on echoes only.
    if (!problem && out.udp_faults && out.service != service_kind::echo) {
        problem = "udp fault keys go with the echo service only";
    }
    if (problem) {
        return bad(url, *problem);
    }
    return out;
}

std::variant<std::vector<listen_url>, listen_url_error> parse_listen_urls(
    const std::vector<std::string>& urls) {
    std::vector<listen_url> out;
    std::map<std::string, std::size_t> seen;  // canonical form -> index in out
    for (const auto& text : urls) {
        auto parsed = parse_listen_url(text);
        if (auto* err = std::get_if<listen_url_error>(&parsed)) {
            return *err;
        }
        auto& url = std::get<listen_url>(parsed);
        const auto [at, fresh] = seen.emplace(url.canonical(), out.size());
        if (!fresh) {
            return bad(text, "duplicate of '" + out[at->second].text + "'");
        }
        out.push_back(std::move(url));
    }
    return out;
}

}  // namespace echo::core
