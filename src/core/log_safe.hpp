// Text a peer chose (a TLS server name, ALPN ids, a certificate subject) made safe
// for one log value: it can neither end the line, split the key=value pair, nor
// pass for two items of a comma-separated list.
#pragma once

#include <string>
#include <string_view>

namespace echo::core {

// Printable ASCII other than space, '"', '\' and ',' passes; every other byte becomes
// \xHH. The result is ASCII, so the JSON log stays valid UTF-8 too.
[[nodiscard]] std::string log_safe(std::string_view text);

// A message that quotes the user's input (an environment value, a config key) kept
// to one terminal line: control bytes (C0, DEL) become \xHH, everything else passes,
// so spaces and UTF-8 names stay readable.
[[nodiscard]] std::string one_line(std::string_view text);

}  // namespace echo::core
