// Whether an HTTP/1.1 request asks to go on as cleartext HTTP/2 (RFC 7540 3.2):
// Upgrade: h2c with exactly one HTTP2-Settings, both named in Connection.
#pragma once

#include "core/http_request.hpp"

#include <optional>
#include <string>

namespace echo::core {

// The HTTP2-Settings payload decoded from base64url, or nullopt when the request
// does not ask for h2c in full (it is then answered as HTTP/1.1, as RFC 7540 lets
// a server ignore an Upgrade).
[[nodiscard]] std::optional<std::string> h2c_settings_of(const http_request& q);

}  // namespace echo::core
