// Each change is one info line (who, which listener, old -> new). A stream change
// reaches the connections accepted after it, and open decorated ones for the keys
// core::reaches_open_connections names; the answer lists both.
#include "app/echo_server/admin_api.hpp"

#include "core/ip_text.hpp"
#include "core/log_event.hpp"
#include "core/log_safe.hpp"
#include "net/setup_error.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>

namespace echo::app {

namespace {

constexpr const char* kJson = "application/json";
constexpr std::string_view kDatagramAppliesTo = R"("every datagram from the next batch on")";

// Bodies quote what the client sent (an unknown key, a bad value) on one line:
// control bytes escaped, so a key cannot forge lines of the answer.
core::http_response text(int status, std::string_view body) {
    return {status, "text/plain; charset=utf-8", core::one_line(body) + "\n", {}};
}

// %XX decoded; a stray '%' stays as it is (then no listener has that name).
std::string percent_decoded(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && core::hex_value(s[i + 1]) >= 0 &&
            core::hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(core::hex_value(s[i + 1]) * 16 + core::hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string listener_json(const admin_listener& l, std::size_t index) {
    return fmt::format(
        R"({{"index":{},"name":"{}","kind":"{}","changeable":{},"faults":"{}","fields":{}}})",
        index, core::json_escape(l.name), l.datagram ? "datagram" : "stream",
        l.changeable() ? "true" : "false", core::json_escape(core::fault_query(l.keys)),
        core::fault_json(l.keys));
}

// ["delay","rate"]: key names are fixed ASCII words, nothing to escape.
std::string key_array(const std::vector<std::string_view>& keys) {
    std::string out = "[";
    for (const auto k : keys) {
        out += out.size() > 1 ? ",\"" : "\"";
        out += k;
        out += '"';
    }
    return out + "]";
}

// {"new_connections":[...],"open_connections":[...]}: the keys the change set,
// changed or cleared, and those of them that open connections take up (from the keys alone).
std::string stream_applies_to(const core::stream_faults& before, const core::stream_faults& after) {
    const auto changed = core::changed_stream_fault_keys(before, after);
    std::vector<std::string_view> open;
    std::ranges::copy_if(changed, std::back_inserter(open), core::reaches_open_connections);
    return fmt::format(R"({{"new_connections":{},"open_connections":{}}})", key_array(changed),
                       key_array(open));
}

}  // namespace

admin_api::admin_api(std::vector<admin_listener> listeners, std::string token)
    : listeners_(std::move(listeners)), token_(std::move(token)) {}

bool admin_api::authorised(const core::request_line& req) const {
    if (token_.empty()) {
        return true;  // loopback only, checked at bind
    }
    const std::string_view given = core::bearer_token(req.authorization).value_or("");
    // Digests of equal length, compared in constant time: neither the token's bytes
    // nor its length show in the time an answer takes.
    unsigned char a[SHA256_DIGEST_LENGTH];
    unsigned char b[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
    SHA256(reinterpret_cast<const unsigned char*>(token_.data()), token_.size(), b);
    return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

std::string admin_api::listeners_json() const {
    std::string out = "[";
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += listener_json(listeners_[i], i);
    }
    out += "]\n";
    return out;
}

admin_listener* admin_api::find(std::string_view name) {
    std::size_t index = 0;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
    if (ec == std::errc{} && ptr == name.data() + name.size()) {
        return index < listeners_.size() ? &listeners_[index] : nullptr;
    }
    const auto decoded = percent_decoded(name);
    for (auto& l : listeners_) {
        if (l.name == decoded) {
            return &l;
        }
    }
    return nullptr;
}

core::http_response admin_api::handle(const core::request_line& req, std::string_view body,
                                      const std::string& peer) {
    if (!authorised(req)) {
        auto challenge = text(401, "a bearer token is required (Authorization: Bearer TOKEN)");
        challenge.www_authenticate = "Bearer";
        return challenge;
    }
    if (req.path == "/listeners") {
        if (req.method != "GET" && req.method != "HEAD") {
            return text(405, "GET /listeners");
        }
        return {200, kJson, listeners_json(), {}};
    }
    constexpr std::string_view kPrefix = "/listeners/";
    constexpr std::string_view kSuffix = "/faults";
    const std::string_view path = req.path;
    if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix) ||
        path.size() <= kPrefix.size() + kSuffix.size()) {
        return text(404, "try GET /listeners, PUT or DELETE /listeners/NAME/faults");
    }
    auto* l = find(path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size()));
    if (l == nullptr) {
        return text(404, "no such listener; GET /listeners names them");
    }
    if (req.method == "GET" || req.method == "HEAD") {
        return {200, kJson, listener_json(*l, static_cast<std::size_t>(l - listeners_.data())) +
                                "\n",
                {}};
    }
    if (req.method != "PUT" && req.method != "DELETE") {
        return text(405, "GET, PUT or DELETE /listeners/NAME/faults");
    }
    if (!l->changeable()) {
        return text(409, l->datagram ? "this udp listener serves a service other than the echo"
                                     : "this listener started without faults, on the raw fast "
                                       "path; start it with a fault key (e.g. ?delay=0) to "
                                       "change its faults at run time");
    }
    if (req.method == "DELETE") {
        return change(*l, {}, peer);
    }
    auto keys = core::fault_keys_from_json(body);
    if (auto* problem = std::get_if<std::string>(&keys)) {
        return text(400, *problem);
    }
    return change(*l, std::move(std::get<core::fault_key_list>(keys)), peer);
}

core::http_response admin_api::change(admin_listener& l, core::fault_key_list keys,
                                      const std::string& peer) {
    std::string applies_to{kDatagramAppliesTo};
    if (l.stream) {
        auto spec = core::stream_faults_of(keys);
        if (auto* problem = std::get_if<std::string>(&spec)) {
            return text(400, *problem);
        }
        // No keys: a spec that asks for nothing, so the decorator passes bytes through.
        auto faults = std::make_shared<const core::stream_faults>(
            std::get<std::optional<core::stream_faults>>(spec).value_or(core::stream_faults{}));
        applies_to = stream_applies_to(*l.stream->faults(), *faults);
        l.stream->replace(std::move(faults));
    } else {
        auto spec = core::datagram_faults_of(keys);
        if (auto* problem = std::get_if<std::string>(&spec)) {
            return text(400, *problem);
        }
        const auto& faults = std::get<std::optional<core::datagram_faults>>(spec);
        l.udp->replace(faults ? std::make_shared<const core::datagram_faults>(*faults) : nullptr);
    }
    spdlog::info("admin: {} changed the faults of {}: '{}' -> '{}'", peer, l.name,
                 core::fault_query(l.keys), core::fault_query(keys));
    l.keys = std::move(keys);
    const auto index = static_cast<std::size_t>(&l - listeners_.data());
    auto json = listener_json(l, index);
    json.pop_back();  // the closing brace: applies_to joins the listener's fields
    json += fmt::format(R"(,"applies_to":{}}})", applies_to);
    json += '\n';
    return {200, kJson, std::move(json), {}};
}

std::string read_admin_token(const std::string& path) {
    std::ifstream in{path};
    std::string line;
    if (!in || !std::getline(in, line)) {
        throw net::setup_error("--admin-token-file " + path + ": cannot read it");
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
        line.pop_back();
    }
    if (line.empty()) {
        throw net::setup_error("--admin-token-file " + path + ": the first line is empty");
    }
    return line;
}

}  // namespace echo::app
