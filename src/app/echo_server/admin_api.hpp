// The admin API's routes: GET /listeners, PUT and DELETE /listeners/NAME/faults.
// Fault changes go through the listeners' swappable specs (stream: the fault
// decorator's factory; udp: the datagram fault switch every loop follows).
#pragma once

#include "core/datagram_fault_switch.hpp"
#include "core/fault_keys.hpp"
#include "core/http_exchange.hpp"
#include "pipeline/fault_application.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace echo::app {

struct admin_listener {
    std::string name;  // the announced URL
    bool datagram = false;
    // Stream: null when the listener started without a fault key (the raw fast path).
    std::shared_ptr<pipeline::fault_application_factory> stream;
    std::shared_ptr<core::datagram_fault_switch> udp;  // udp echo listeners only
    core::fault_key_list keys;                          // what the faults are now

    [[nodiscard]] bool changeable() const noexcept { return stream || udp; }
};

// Not thread-safe: called on the admin endpoint's thread only.
class admin_api {
public:
    // `token`: every request must carry `Authorization: Bearer <token>`; empty: none.
    admin_api(std::vector<admin_listener> listeners, std::string token);

    [[nodiscard]] core::http_response handle(const core::request_line& req,
                                             std::string_view body, const std::string& peer);

private:
    [[nodiscard]] bool authorised(const core::request_line& req) const;
    [[nodiscard]] std::string listeners_json() const;
    [[nodiscard]] admin_listener* find(std::string_view name);
    [[nodiscard]] core::http_response change(admin_listener& l, core::fault_key_list keys,
                                             const std::string& peer);

    std::vector<admin_listener> listeners_;
    std::string token_;
};

// Reads a token file: its first line, trimmed. Throws net::setup_error when it cannot
// be read or is empty.
[[nodiscard]] std::string read_admin_token(const std::string& path);

}  // namespace echo::app
