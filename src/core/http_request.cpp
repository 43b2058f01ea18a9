// Header names compare without case (RFC 9110 5.1); values are kept as sent.
#include "core/http_request.hpp"

namespace echo::core {

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

const http_header* http_request::find(std::string_view name) const noexcept {
    for (const auto& h : headers) {
        if (equals_ignoring_case(h.name, name)) {
            return &h;
        }
    }
    return nullptr;
}

}  // namespace echo::core
