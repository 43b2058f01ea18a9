// The command line of echo-server, parsed into a server_config or into what to
// print and the exit status (help, version, usage errors). No I/O here.
#pragma once

#include "core/server_config.hpp"

#include <functional>
#include <string>
#include <variant>

namespace echo::app {

// Parsing ended the program: print `text` (to stdout when code is 0, else stderr)
// and exit with `code` (2 for usage errors).
struct cli_exit {
    int code;
    std::string text;
};

using cli_result = std::variant<core::server_config, cli_exit>;

// `cpus` is the default for --threads; `version_text` makes what --version prints,
// called only then (it probes the engines).
[[nodiscard]] cli_result parse_command_line(int argc, const char* const* argv, unsigned cpus,
                                            const std::function<std::string()>& version_text);

}  // namespace echo::app
