// The n-th cert= pairs with the n-th key=, so both "cert=a&key=a&cert=b&key=b" and
// "cert=a&cert=b&key=a&key=b" read the way they look.
#include "core/tls_settings.hpp"

#include "core/seconds_value.hpp"
#include "core/whole_number.hpp"

#include <charconv>

namespace echo::core {

namespace {

constexpr std::size_t kMaxIdentities = 64;
constexpr std::size_t kMaxAlpn = 16;
constexpr long kMaxHandshakeMs = 3'600'000;

bool is_path(std::string_view v) { return !v.empty() && v.find('\0') == std::string_view::npos; }

std::optional<tls_version> version_of(std::string_view v) {
    if (v == "1.2") {
        return tls_version::v1_2;
    }
    if (v == "1.3") {
        return tls_version::v1_3;
    }
    return std::nullopt;
}

// ALPN protocol ids are 1-255 bytes; commas separate them here, so none holds one.
std::optional<std::string> alpn_list(std::string_view v, std::vector<std::string>& out) {
    out.clear();
    while (true) {
        const auto comma = v.find(',');
        const auto id = v.substr(0, comma);
        if (id.empty() || id.size() > 255) {
            return "alpn is a comma-separated list of 1-255 byte protocol names";
        }
        if (out.size() == kMaxAlpn) {
            return "alpn takes at most 16 protocols";
        }
        out.emplace_back(id);
        if (comma == std::string_view::npos) {
            return std::nullopt;
        }
        v = v.substr(comma + 1);
    }
}


}  // namespace

std::optional<std::string> take_tls_key(std::string_view key, std::string_view value,
                                        tls_settings& out) {
    if (key == "cert" || key == "key") {
        if (!is_path(value)) {
            return std::string{key} + " needs a file path";
        }
        // The first identity still missing this half takes it.
        const bool cert = key == "cert";
        for (auto& id : out.identities) {
            auto& half = cert ? id.cert : id.key;
            if (half.empty()) {
                half = value;
                return std::string{};
            }
        }
        if (out.identities.size() == kMaxIdentities) {
            return "at most 64 cert/key pairs";
        }
        out.identities.push_back(cert ? tls_identity{std::string{value}, {}}
                                      : tls_identity{{}, std::string{value}});
    } else if (key == "ca") {
        if (!is_path(value)) {
            return std::string{"ca needs a file path"};
        }
        out.ca = value;
    } else if (key == "verify") {
        if (value == "none") {
            out.verify = tls_verify::none;
        } else if (value == "optional") {
            out.verify = tls_verify::optional;
        } else if (value == "require") {
            out.verify = tls_verify::require;
        } else {
            return std::string{"verify must be none, optional or require"};
        }
    } else if (key == "min") {
        const auto v = version_of(value);
        if (!v) {
            return std::string{"min must be 1.2 or 1.3"};
        }
        out.min = *v;
    } else if (key == "alpn") {
        if (auto problem = alpn_list(value, out.alpn)) {
            return problem;
        }
    } else if (key == "handshake_timeout") {
        const auto t = seconds_value(value, std::chrono::milliseconds{kMaxHandshakeMs});
        if (!t) {
            return std::string{"handshake_timeout must be seconds, above 0 and at most 3600"};
        }
        out.handshake_timeout = *t;
    } else if (key == "handshakes_per_ip") {
        const auto n = whole_number<unsigned>(value);
        if (!n || *n > 65535) {
            return std::string{"handshakes_per_ip must be 0-65535 (0: no cap)"};
        }
        out.handshakes_per_ip = *n;
    } else if (key == "strict") {
        if (value != "0" && value != "1") {
            return std::string{"strict must be 0 or 1"};
        }
        out.strict = value == "1";
    } else {
        return std::nullopt;
    }
    return std::string{};
}

std::optional<std::string> finish_tls_settings(tls_settings& out) {
    if (out.identities.empty()) {
        return "a TLS listener needs cert=PATH&key=PATH";
    }
    for (const auto& id : out.identities) {
        if (id.cert.empty() || id.key.empty()) {
            return "every cert= needs its key= (and every key= its cert=)";
        }
    }
    if (out.verify != tls_verify::none && out.ca.empty()) {
        return "verify=optional|require needs ca=PATH";
    }
    if (out.verify == tls_verify::none && !out.ca.empty()) {
        out.verify = tls_verify::require;  // a CA given means client certificates asked for
    }
    return std::nullopt;
}

const char* name_of(tls_version v) noexcept { return v == tls_version::v1_2 ? "1.2" : "1.3"; }

}  // namespace echo::core
