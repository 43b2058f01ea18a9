// Every field of echo-server's parse result as text, for the command-line tests to
// compare two parses with.
#pragma once

#include "app/echo_server/cli.hpp"

#include <sstream>
#include <string>

namespace echo::test {

// Every field of the result, so two results compare equal only when they are.
// A listener is its URL text (the rest is parse_listen_url of it) and its canonical form.
inline std::string describe(const echo::app::cli_result& r) {
    std::ostringstream out;
    if (const auto* done = std::get_if<app::cli_exit>(&r)) {
        out << "exit " << done->code << ": " << done->text;
        return out.str();
    }
    const auto& c = std::get<core::server_config>(r);
    out << "host=" << c.host << " port=" << c.port << " listen=";
    for (const auto& url : c.listen) {
        out << url.text << "|" << url.canonical() << ",";
    }
    out << " backlog=" << c.backlog.value_or(-1) << " threads=" << c.threads
        << " max_buffer=" << c.max_buffer << " drain=" << c.drain_timeout.count() << " drain_delay=" << c.drain_delay.count()
        << " level=" << static_cast<int>(c.level) << " engine=" << static_cast<int>(c.engine)
        << " udp_deny=";
    for (auto port : c.udp.extra_denied_ports) {
        out << port << ",";
    }
    out << " udp_rate=" << c.udp.rate_per_source << " udp_burst=" << c.udp.burst
        << " udp_seed=" << c.udp.seed.has_value()
        << " max_conns=" << c.limits.max_connections
        << " per_ip=" << c.limits.max_connections_per_ip
        << " prefix=" << c.limits.ipv6_prefix_len << " accept_rate=" << c.limits.max_accept_rate
        << " idle=" << c.limits.idle_timeout.count() << " life=" << c.limits.max_lifetime.count()
        << " conn_bytes=" << c.limits.max_connection_bytes
        << " metrics=" << (c.metrics ? c.metrics->text + "|" + c.metrics->canonical() : "-")
        << " admin=" << (c.admin ? c.admin->text : "-") << " admin_token_file=" << c.admin_token_file
        << " format=" << static_cast<int>(c.format) << " log_file=" << c.log_file
        << " user=" << c.user << " group=" << c.group << " inetd=" << c.inetd;
    return out.str();
}

}  // namespace echo::test
