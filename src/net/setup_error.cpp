// Error text for messages that continue a sentence.
#include "net/setup_error.hpp"

#include <cctype>
#include <cstring>

namespace echo::net {

std::string errno_text(int err) {
    std::string text = std::strerror(err);
    if (!text.empty()) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}

}  // namespace echo::net
