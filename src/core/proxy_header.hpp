// The PROXY protocol header (HAProxy's proxy-protocol.txt, v1 text and v2 binary),
// read as a pure function over the bytes a connection has sent so far, and written
// for the clients that send one (echo-bench --proxy, the tests).
#pragma once

#include "core/peer_address.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace echo::core {

// The longest header accepted, v2's addresses and TLVs included. The format allows
// 65 551 bytes; no load balancer sends a tenth of this, and a reader holds at most
// this much per connection whatever the header claims.
inline constexpr std::size_t kMaxProxyHeader = 4096;

enum class proxy_family : std::uint8_t { unspecified, inet, inet6, unix_socket };

struct proxy_endpoint {
    peer_address ip;          // IPv4 as IPv4-mapped (peer_address::ipv4)
    std::uint16_t port = 0;
};

// Views into the bytes given to parse_proxy_header(), valid while they are.
struct proxy_header {
    std::uint8_t version = 0;  // 1 or 2
    // v2 LOCAL, or v1 "PROXY UNKNOWN": a health check or the balancer itself; the
    // connection is served as what the socket says it is.
    bool local = false;
    proxy_family family = proxy_family::unspecified;
    proxy_endpoint source, destination;               // inet, inet6
    std::string_view unix_source, unix_destination;   // unix_socket, without trailing NULs
    std::span<const std::byte> tlvs;                  // v2's TLV area, already validated
};

enum class proxy_parse_status : std::uint8_t { need_more, done, invalid };

struct proxy_parse_result {
    proxy_parse_status status = proxy_parse_status::need_more;
    std::size_t consumed = 0;  // done: the header's length; later bytes are the stream's
    proxy_header header;       // done
    std::string_view reason;   // invalid: one of proxy_failure_reasons()
};

// Decides as early as the bytes allow: a first byte that starts neither signature is
// invalid at once, and need_more never comes with kMaxProxyHeader bytes in hand.
// Never allocates, never reads outside `received`.
[[nodiscard]] proxy_parse_result parse_proxy_header(std::span<const std::byte> received) noexcept;

// Every reason parse_proxy_header() gives, short stable names for metrics labels.
[[nodiscard]] std::span<const std::string_view> proxy_failure_reasons() noexcept;

// A header's contents for the connection's log line: the destination, the version,
// and each TLV by name (alpn, authority, unique_id, ssl_* from the SSL block, netns,
// aws_vpce_id, azure_link_id, gcp_psc_id, crc32c), unknown ones as hex. Keys are
// static strings; values are log_safe.
using proxy_log_fields = std::vector<std::pair<std::string_view, std::string>>;
void describe_proxy_header(const proxy_header& header, proxy_log_fields& out);

// "1.2.3.4:80", "[2001:db8::1]:443".
[[nodiscard]] std::string to_string(const proxy_endpoint& e);

// One TLV for encode_proxy_v2 (type, raw value).
struct proxy_tlv {
    std::uint8_t type = 0;
    std::string value;
};

// Headers as a balancer sends them for a TCP connection from `source` to
// `destination` (both IPv4 or both IPv6).
[[nodiscard]] std::string encode_proxy_v1(const proxy_endpoint& source,
                                          const proxy_endpoint& destination);
[[nodiscard]] std::string encode_proxy_v2(const proxy_endpoint& source,
                                          const proxy_endpoint& destination,
                                          std::span<const proxy_tlv> tlvs = {},
                                          bool with_crc32c = false);
// v2 LOCAL, as a balancer's health check sends it.
[[nodiscard]] std::string encode_proxy_v2_local();

}  // namespace echo::core
