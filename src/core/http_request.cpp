// A request's headers looked up by name, without case (RFC 9110 5.1); values are kept as sent.
#include "core/http_request.hpp"

namespace echo::core {

const http_header* http_request::find(std::string_view name) const noexcept {
    for (const auto& h : headers) {
        if (equals_ignoring_case(h.name, name)) {
            return &h;
        }
    }
    return nullptr;
}

}  // namespace echo::core
