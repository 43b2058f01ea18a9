// What a tls:// or unix+tls: listener asks of TLS, parsed from its URL keys without
// touching a file: certificates, CA, versions, ALPN, handshake deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace echo::core {

enum class tls_verify { none, optional, require };
enum class tls_version { v1_2, v1_3 };

struct tls_identity {
    std::string cert;  // PEM file: the certificate, then its chain
    std::string key;   // PEM file: its private key
};

struct tls_settings {
    // In URL order; the first is the default, the others are picked by SNI among
    // the names their certificates carry.
    std::vector<tls_identity> identities;
    std::string ca;  // client CA file (mTLS); required by verify=optional|require
    tls_verify verify = tls_verify::none;
    tls_version min = tls_version::v1_2;
    std::vector<std::string> alpn;  // the server's preference order
    std::chrono::milliseconds handshake_timeout{10'000};
    bool strict = false;  // an expired certificate fails the start instead of a warning
    std::uint32_t handshakes_per_ip = 64;  // in progress per address and loop; 0 = no cap
};

// Takes one URL key of a TLS listener. Returns nullopt when the key is not a TLS
// key, an empty string when it was taken, else the reason the value is wrong.
[[nodiscard]] std::optional<std::string> take_tls_key(std::string_view key,
                                                      std::string_view value,
                                                      tls_settings& out);

// After every key: pairs cert= with key= and checks what depends on several keys.
// Returns the problem, if any.
[[nodiscard]] std::optional<std::string> finish_tls_settings(tls_settings& out);

[[nodiscard]] const char* name_of(tls_version v) noexcept;

}  // namespace echo::core
