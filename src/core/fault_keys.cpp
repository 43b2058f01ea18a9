// nlohmann-json parses the admin API's bodies: header-only and Debian's. Its parser
// keeps nesting on the heap, bounded by the body's length (kMaxFaultJson).
#include "core/fault_keys.hpp"

#include <nlohmann/json.hpp>

namespace echo::core {

namespace {

template <class Spec, class Take, class Finish>
std::variant<std::optional<Spec>, std::string> spec_of(const fault_key_list& keys, Take take,
                                                       Finish finish) {
    std::optional<Spec> spec;
    for (const auto& [key, value] : keys) {
        const auto problem = take(key, value, spec);
        if (!problem) {
            return "unknown fault key '" + key + "'";
        }
        if (!problem->empty()) {
            return *problem;
        }
    }
    if (auto problem = finish(spec)) {
        return *problem;
    }
    return spec;
}

}  // namespace

std::variant<fault_key_list, std::string> fault_keys_from_json(std::string_view body) {
    if (body.size() > kMaxFaultJson) {
        return "the body may be at most " + std::to_string(kMaxFaultJson) + " bytes";
    }
    const auto json = nlohmann::ordered_json::parse(body, nullptr, false);
    if (json.is_discarded()) {
        return std::string{"the body is not JSON"};
    }
    if (!json.is_object()) {
        return std::string{"the body must be a JSON object of fault keys"};
    }
    fault_key_list keys;
    for (const auto& [key, value] : json.items()) {
        if (value.is_string()) {
            keys.emplace_back(key, value.get<std::string>());
        } else if (value.is_boolean()) {
            keys.emplace_back(key, value.get<bool>() ? "1" : "0");
        } else if (value.is_number()) {
            keys.emplace_back(key, value.dump());
        } else {
            return key + " must be a string, a number or a boolean";
        }
    }
    return keys;
}

std::variant<std::optional<stream_faults>, std::string> stream_faults_of(
    const fault_key_list& keys) {
    return spec_of<stream_faults>(keys, take_stream_fault_key, finish_stream_faults);
}

std::variant<std::optional<datagram_faults>, std::string> datagram_faults_of(
    const fault_key_list& keys) {
    return spec_of<datagram_faults>(keys, take_datagram_fault_key, finish_datagram_faults);
}

std::string fault_query(const fault_key_list& keys) {
    std::string out;
    for (const auto& [key, value] : keys) {
        out += (out.empty() ? "" : "&") + key + "=" + value;
    }
    return out;
}

std::string fault_json(const fault_key_list& keys) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [key, value] : keys) {
        out[key] = value;
    }
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace echo::core
