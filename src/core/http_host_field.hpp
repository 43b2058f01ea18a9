// The Host field as RFC 9112 3.2 has a server hold a request to: one line of it
// (none at all only in HTTP/1.0), its value uri-host [":" port] from RFC 3986.
#pragma once

#include "core/http_request.hpp"

#include <span>
#include <string_view>

namespace echo::core {

// uri-host [":" port] (RFC 3986 3.2.2, 3.2.3), the value already without the
// whitespace around it. An empty value is valid: RFC 9112 3.2 has a client send
// it for a target without an authority. The port is decimal 0-65535 or empty.
// No whitespace, '/', '@', '?', '#', control or byte over 0x7e; a '%' only
// before two hex digits; brackets only around an IPv6 address or IPvFuture.
[[nodiscard]] bool is_valid_host_value(std::string_view value) noexcept;

// The head's fields hold exactly one Host line with a valid value, or (when
// `required` is false, as for HTTP/1.0) none. Host is not compared with the
// authority of an absolute-form target: the echo routes on neither. One pass over
// the fields and the value, once per head (so bounded by max_head); holds nothing.
[[nodiscard]] bool host_fields_acceptable(std::span<const http_header> fields,
                                          bool required) noexcept;

}  // namespace echo::core
