// Escaping happens where the peer's bytes enter a log field, not in the log sinks:
// the sinks cannot tell a server's own text from what a client sent.
#include "core/log_safe.hpp"

namespace echo::core {

namespace {

template <class Keep>
std::string escaped(std::string_view text, Keep keep) {
    constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (keep(c)) {
            out += ch;
        } else {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
    }
    return out;
}

}  // namespace

std::string log_safe(std::string_view text) {
    return escaped(text, [](unsigned char c) {
        return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ',';
    });
}

std::string one_line(std::string_view text) {
    return escaped(text, [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
}

}  // namespace echo::core
