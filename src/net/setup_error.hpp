// The one exception type of the project: a setup step failed, and the message
// names the call, its argument and, where we know it, what would fix it.
#pragma once

#include <stdexcept>
#include <string>

namespace echo::net {

class setup_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// strerror(err) starting in lower case, to read well after "bind ADDR: ".
[[nodiscard]] std::string errno_text(int err);

}  // namespace echo::net
