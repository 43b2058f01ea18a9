// Fuzzes the admin API's JSON bodies: whatever text comes in, the keys read from it
// survive being written back as JSON, and keys the stream parser accepts from JSON
// are accepted, to the same spec, when written as a listener URL's query.
#include "core/fault_keys.hpp"
#include "core/listen_url.hpp"
#include "property.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

// Text a URL query carries as it is: no separators, no escapes.
bool plain(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == ',' || c == '_' || c == '-';
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body{reinterpret_cast<const char*>(data), size};
    const auto parsed = core::fault_keys_from_json(body);
    const auto* keys = std::get_if<core::fault_key_list>(&parsed);
    if (keys == nullptr) {
        require(!std::get<std::string>(parsed).empty(), "a refusal says why");
        return 0;
    }
    const auto again = core::fault_keys_from_json(core::fault_json(*keys));
    require(std::holds_alternative<core::fault_key_list>(again) &&
                std::get<core::fault_key_list>(again) == *keys,
            "the keys written back as JSON read the same");
    [[maybe_unused]] const auto datagram = core::datagram_faults_of(*keys);
    const auto stream = core::stream_faults_of(*keys);
    const auto* spec = std::get_if<std::optional<core::stream_faults>>(&stream);
    if (spec == nullptr || !std::all_of(keys->begin(), keys->end(), [](const auto& kv) {
            return plain(kv.first) && plain(kv.second);
        })) {
        return 0;
    }
    const auto url = core::parse_listen_url("tcp://127.0.0.1:0?" + core::fault_query(*keys));
    const auto* listener = std::get_if<core::listen_url>(&url);
    require(listener != nullptr, "keys the admin API accepts, a URL accepts");
    require(listener->faults == *spec, "and to the same spec");
    return 0;
}
