// What one echo-bench run does, as plain data parsed from its command line.
#pragma once

#include "core/proxy_header.hpp"
#include "core/target_url.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace echo::loadgen {

// How echo-bench speaks TLS to a tls:// or unix+tls: target.
struct tls_settings {
    bool insecure = false;     // no verification at all
    std::string ca_file;       // otherwise: trust these CAs, and check the name
    std::string sni;           // server name sent and verified; default: the host if a name
    std::vector<std::string> alpn;
    std::string cert_file, key_file;  // a client certificate
    int min_version = 0, max_version = 0;  // 12 or 13; 0 = OpenSSL's default
    std::string ciphers;       // TLS 1.2 cipher list
    std::string ciphersuites;  // TLS 1.3 suites
    bool resume = false;       // each new connection resumes its thread's last session
};

// --proxy: a PROXY protocol header first on every connection, as a balancer sends
// one, so the server's PROXY listeners are tested and measured without a balancer.
struct proxy_settings {
    int version = 0;  // 0: none, 1 or 2
    // The client the header names; default: the connection's own address.
    std::optional<core::proxy_endpoint> source;
};

// http(s):// and ws(s):// targets.
struct http_settings {
    std::string request_target = "/?format=body";  // ws: "/" unless the URL names one
    bool verify_body = true;  // false: only the 2xx status is checked (--http-verify status)
};

struct bench_config {
    core::target_url target{"tcp", "127.0.0.1", 65432, "", false, false, "", ""};
    unsigned conns = 1;
    std::vector<std::uint32_t> sizes{64};  // each message picks one, uniformly
    unsigned pipeline = 1;                 // closed loop: messages in flight per connection
    unsigned messages_per_conn = 0;        // closed loop: reconnect after this many; 0 = never
    double rate = 0;                       // open loop: messages/s in total; 0 = closed loop
    std::chrono::duration<double> duration = std::chrono::seconds{10};
    std::chrono::duration<double> warmup = std::chrono::seconds{1};
    std::chrono::duration<double> drain = std::chrono::seconds{10};
    std::chrono::duration<double> loss_timeout = std::chrono::seconds{1};  // UDP
    unsigned threads = 1;
    // Antagonists beside the measured connections, kept out of their figures:
    unsigned streamers = 0;                    // closed loop, one big block in flight each
    std::uint32_t streamer_size = 1u << 20;    // bytes per streamer block
    unsigned hogs = 0;                         // send until the send buffer is full, never read
    double connect_rate = 0;  // connections/s; 0 = as fast as they complete
    std::vector<int> server_pids;  // their CPU summed: a TLS terminator plus the server behind it
    tls_settings tls;
    proxy_settings proxy;
    http_settings http;
    bool ws_text = false;  // ws(s)://: text messages (their bytes kept 7-bit), not binary
    bool json = false;
    bool live = false;  // the once-a-second line, on by default on a terminal
    std::string command_line;
};

}  // namespace echo::loadgen
