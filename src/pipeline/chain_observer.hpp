// Told how each connection's stages fared (opened, failed, timed out), for the
// metrics and for the fields of the connection's log line. Called from every loop
// at once: implementations are thread-safe.
#pragma once

#include "pipeline/chain.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace echo::pipeline {

// Extra key/value pairs for a log line (keys are static strings).
using log_fields = std::vector<std::pair<std::string_view, std::string>>;

class chain_observer {
public:
    virtual ~chain_observer() = default;
    // Every stage is open, `took` after the connection was accepted.
    // `fields` go to the connection's log line: text the peer chose is log_safe.
    virtual void opened(const chain& c, std::chrono::nanoseconds took, log_fields& fields) = 0;
    // What the application is told of the open stages (the TLS facts it echoes),
    // as the peer sent it: each reader escapes it for its own format.
    virtual void app_facts(const chain& /*c*/, log_fields& /*facts*/) {}
    // A stage failed before the chain opened.
    virtual void failed(const chain& c, std::string_view reason, std::chrono::nanoseconds took) = 0;
    // A stage was not open by its opening_timeout.
    virtual void timed_out(const chain& c) = 0;
};

}  // namespace echo::pipeline
