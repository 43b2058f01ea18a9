// The layers under the command line: ECHO_SERVER_<OPTION> variables, then a TOML file,
// written into the options CLI11 declared. The command line wins over the environment,
// which wins over the file, option by option.
#pragma once

#include "app/echo_server/config_sources.hpp"

#include <CLI/App.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace echo::app {

// Where a setting came from, weakest first: each source overrides the ones before it.
enum class setting_source { defaults, file, environment, command_line };

// Where each option given got its value, by long name ("--port"), and how to name
// that place in an error message.
class setting_origins {
public:
    // Every option CLI11 found on the command line: call right after it parsed argv.
    explicit setting_origins(const CLI::App& app);

    void record(const std::string& option, setting_source source, std::string label);
    [[nodiscard]] setting_source of(const std::string& option) const;
    // "" for the command line or a default (CLI11 names the option), else
    // "ECHO_SERVER_PORT: " or "/etc/echo-server.toml: port: ".
    [[nodiscard]] std::string prefix(const std::string& option) const;

private:
    struct origin {
        setting_source source;
        std::string label;
    };
    std::map<std::string, origin> origins_;
};

// CLI11 2.1.2 reads a many-valued option's value written "[a,b]" as a list, recursing
// into each item that is bracketed too and copying the rest of the value at every
// level: "[[[...]]]" of 100 000 brackets took 9 GiB and then overflowed the stack. A
// value that starts with '[' and nests deeper than two (an IPv6 URL in a list) is
// refused before CLI11 sees it, wherever it comes from.
[[nodiscard]] bool nests_too_deep(std::string_view value) noexcept;
inline constexpr std::string_view kNestedListError =
    "a value that starts with '[' may nest brackets at most two deep";

// Gives every option the command line left out the value of its variable (see
// variable_for), when that is set and not empty. A many-valued option (--listen) takes
// a space-separated list. Returns the first error, naming the variable.
[[nodiscard]] std::optional<std::string> apply_environment(
    CLI::App& app, const decltype(config_sources::variable)& variable, setting_origins& origins);

// Parses `text`, the TOML file `path`, with CLI11's ConfigTOML, checks every key (top
// level only; an option's long name, `_` taken as `-`; each once; not "config"), and
// gives each option no stronger source set the file's value. Returns the first error,
// naming the file and the key.
[[nodiscard]] std::optional<std::string> apply_config_file(CLI::App& app, const std::string& path,
                                                           const std::string& text,
                                                           setting_origins& origins);

}  // namespace echo::app
