// The command line of echo-server, with the environment and a config file under it,
// parsed into a server_config or into what to print and the exit status (help,
// version, usage errors). Its only I/O goes through config_sources.
#pragma once

#include "app/echo_server/config_sources.hpp"
#include "core/server_config.hpp"

#include <cstddef>
#include <functional>
#include <memory>
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

// A parser object starts over once CLI11 remembers this many parsed options.
inline constexpr std::size_t kMaxRememberedOptions = 1 << 14;

// The options declared once and parsed any number of times: every parse starts from
// the defaults, so a parse never sees what an earlier one set (the fuzz target parses
// millions of command lines with one object; declaring the options is most of the cost).
// Not thread-safe: one parse at a time.
//
// Each setting comes from the command line, else its ECHO_SERVER_<OPTION> variable,
// else the --config file (TOML), else its default; a list (--listen) is taken whole
// from one source, never merged.
class command_line {
public:
    // `cpus` is the default for --threads; `version_text` makes what --version prints,
    // called only then (it probes the engines). `sources` are the variables and files
    // the parser may read: none unless main passes the process's.
    command_line(unsigned cpus, std::function<std::string()> version_text,
                 config_sources sources = no_config_sources());
    ~command_line();
    command_line(command_line&&) noexcept;
    command_line& operator=(command_line&&) noexcept;

    [[nodiscard]] cli_result parse(int argc, const char* const* argv);

    // How many parsed options CLI11 still remembers from earlier parses (see parse()):
    // bounded, whatever the number of parses.
    [[nodiscard]] std::size_t remembered_options() const;

private:
    struct parser;  // CLI11 and the values it writes to, kept out of this header
    std::unique_ptr<parser> parser_;
};

// One command_line, one parse: what main does.
[[nodiscard]] cli_result parse_command_line(int argc, const char* const* argv, unsigned cpus,
                                            const std::function<std::string()>& version_text,
                                            config_sources sources = no_config_sources());

}  // namespace echo::app
