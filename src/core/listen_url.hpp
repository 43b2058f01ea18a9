// A listener as the command line names it (--listen URL), parsed without touching
// the network: transport, address or path, and the options that belong to it.
#pragma once

#include "core/address_range.hpp"
#include "core/datagram_faults.hpp"
#include "core/fault_keys.hpp"
#include "core/http_settings.hpp"
#include "core/proxy_settings.hpp"
#include "core/service_kind.hpp"
#include "core/socket_options.hpp"
#include "core/stream_faults.hpp"
#include "core/tls_settings.hpp"
#include "core/transport.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace echo::core {

struct listen_url {
    transport kind = transport::tcp;
    std::string host;   // tcp/udp: name or literal, no brackets, "" = all IPv4
    std::string scope;  // tcp/udp: IPv6 zone (fe80::1%eth0), else empty
    std::uint16_t port = 0;
    std::string path;        // unix: file path, or the abstract name without '@'
    bool abstract = false;   // unix:@name
    std::optional<int> backlog;       // tcp, unix
    std::optional<bool> ipv6only;     // tcp, udp
    std::optional<unsigned> mode;     // unix file sockets: permission bits
    socket_options sockopts;          // tcp, udp: nodelay, keepalive, sndbuf, tos, mark, ...
    std::optional<tls_settings> tls;  // tls:// and unix+tls: (a TCP or Unix stream)
    std::optional<proxy_settings> proxy;  // streams: a PROXY header before anything else
    std::optional<http_settings> http;    // http:// and https://: the HTTP echo
    service_kind service = service_kind::echo;  // every listener but http(s)
    std::vector<address_range> chargen_from;    // udp, service=chargen: full-size replies
    std::optional<stream_faults> faults;  // streams: what to do wrong (delay=, rate=, ...)
    std::optional<datagram_faults> udp_faults;  // udp: drop=, dup=, delay=, ...
    fault_key_list fault_keys;  // the fault keys as given, for the admin API to show
    std::string text;  // as given, for messages

    // The same listener written one way, to find duplicates: a URL without options
    // that parses back to this listener.
    [[nodiscard]] std::string canonical() const;
};

struct listen_url_error {
    std::string message;
};

[[nodiscard]] std::variant<listen_url, listen_url_error> parse_listen_url(std::string_view url);

// Parses each URL and rejects duplicates; the first problem wins.
[[nodiscard]] std::variant<std::vector<listen_url>, listen_url_error> parse_listen_urls(
    const std::vector<std::string>& urls);

}  // namespace echo::core
