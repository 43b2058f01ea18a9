// Where echo-server's settings come from besides the command line: ECHO_SERVER_<OPTION>
// environment variables and a TOML file. The parser reaches both only through this.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace echo::app {

// A file that could not be read, and why ("No such file or directory").
struct unreadable_file {
    std::string reason;
};

// The parser's view of the world outside the command line: injected, so that unit tests
// and the fuzz target decide what it holds and never see the process's environment.
struct config_sources {
    // The value of an environment variable, nullopt when it is not set.
    std::function<std::optional<std::string>(const std::string& name)> variable;
    // The whole text of a file.
    std::function<std::variant<std::string, unreadable_file>(const std::string& path)> file;
};

// No variables and no readable file: what a parser sees unless told otherwise.
[[nodiscard]] config_sources no_config_sources();

// The process's environment (getenv) and the file system: what main passes. A config
// file must be a regular file of at most kMaxConfigFileBytes.
[[nodiscard]] config_sources process_config_sources();
inline constexpr std::size_t kMaxConfigFileBytes = 1 << 20;

// The variable for an option: "--max-buffer" -> "ECHO_SERVER_MAX_BUFFER".
[[nodiscard]] std::string variable_for(const std::string& long_option);

}  // namespace echo::app
