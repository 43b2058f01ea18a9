// CLI11 2.1.2 has both layers built in (App::set_config, Option::envname) but cannot be
// used for them here: it applies the file before the environment, so a file value beats
// a variable (the opposite of the precedence asked for); envname reads the process's
// environment with getenv, which tests and the fuzz target must not depend on; and its
// errors name neither the file nor the key. So this file applies both layers itself,
// through CLI11's public Option API (add_result, run_callback: the same checks and
// conversions as on the command line) and CLI11's TOML reader.
#include "app/echo_server/setting_layers.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

namespace echo::app {

namespace {

// The options that set something: every one with a long name but --help and --version.
std::vector<CLI::Option*> settings(CLI::App& app) {
    std::vector<CLI::Option*> out;
    for (auto* opt : app.get_options()) {
        if (!opt->get_lnames().empty() && opt != app.get_help_ptr() &&
            opt != app.get_version_ptr()) {
            out.push_back(opt);
        }
    }
    return out;
}

std::string long_name(const CLI::Option& opt) { return "--" + opt.get_lnames().front(); }

// Runs the option's checks and conversion on `values`, as CLI11 does for the command
// line; returns CLI11's complaint without the option name it starts with.
std::optional<std::string> give(CLI::Option& opt, std::vector<std::string> values) {
    if (std::any_of(values.begin(), values.end(), [](const auto& v) { return nests_too_deep(v); })) {
        return std::string{kNestedListError};
    }
    try {
        opt.add_result(std::move(values));
        opt.run_callback();
    } catch (const CLI::Error& e) {
        std::string what = e.what();
        const auto named = long_name(opt) + ": ";
        return what.starts_with(named) ? what.substr(named.size()) : what;
    }
    return std::nullopt;
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in{text};
    return {std::istream_iterator<std::string>{in}, std::istream_iterator<std::string>{}};
}

// What CLI11 2.1.2's reader leaves of TOML it does not read as TOML, as one message,
// or nullopt when the item's values look whole.
std::optional<std::string> malformed(const CLI::ConfigItem& item) {
    if (item.inputs.empty()) {
        return "empty list";
    }
    if (item.inputs.size() == 1 && item.inputs.front() == "[") {
        return "an array must start on its key's line with its first value: "
               "key = [\"a\",\\n \"b\"]";
    }
    for (const auto& value : item.inputs) {
        if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
            return "unterminated string (CLI11 2.1.2 takes a '#' as a comment even "
                   "inside quotes)";
        }
    }
    return std::nullopt;
}

}  // namespace

bool nests_too_deep(std::string_view value) noexcept {
    if (!value.starts_with('[')) {
        return false;
    }
    int depth = 0;
    for (const char c : value) {
        depth += c == '[' ? 1 : c == ']' && depth > 0 ? -1 : 0;
        if (depth > 2) {
            return true;
        }
    }
    return false;
}

setting_origins::setting_origins(const CLI::App& app) {
    for (const auto* opt : app.get_options()) {
        if (opt->count() > 0 && !opt->get_lnames().empty()) {
            origins_["--" + opt->get_lnames().front()] = {setting_source::command_line, ""};
        }
    }
}

void setting_origins::record(const std::string& option, setting_source source,
                             std::string label) {
    origins_[option] = {source, std::move(label)};
}

setting_source setting_origins::of(const std::string& option) const {
    const auto it = origins_.find(option);
    return it == origins_.end() ? setting_source::defaults : it->second.source;
}

std::string setting_origins::prefix(const std::string& option) const {
    const auto it = origins_.find(option);
    return it == origins_.end() || it->second.label.empty() ? "" : it->second.label + ": ";
}

std::optional<std::string> apply_environment(CLI::App& app,
                                             const decltype(config_sources::variable)& variable,
                                             setting_origins& origins) {
    for (auto* opt : settings(app)) {
        if (opt->count() > 0) {
            continue;  // the command line gave it
        }
        const auto name = variable_for(long_name(*opt));
        const auto value = variable(name);
        // Empty is unset, as CLI11's envname has it: `docker run -e VAR=` clears a setting.
        if (!value || value->empty()) {
            continue;
        }
        auto values = opt->get_items_expected_max() > 1 ? words(*value)
                                                        : std::vector<std::string>{*value};
        if (values.empty()) {
            continue;  // only spaces: unset too
        }
        if (auto error = give(*opt, std::move(values))) {
            return name + "=" + *value + ": " + *error;
        }
        origins.record(long_name(*opt), setting_source::environment, name);
    }
    return std::nullopt;
}

std::optional<std::string> apply_config_file(CLI::App& app, const std::string& path,
                                             const std::string& text, setting_origins& origins) {
    std::istringstream in{text};
    std::vector<CLI::ConfigItem> items;
    try {
        items = CLI::ConfigTOML{}.from_config(in);
    } catch (const CLI::Error& e) {
        return path + ": " + e.what();
    }
    const auto known = settings(app);
    std::set<std::string> seen;
    for (const auto& item : items) {
        if (!item.parents.empty()) {
            return path + ": [" + item.parents.front() +
                   "]: tables and dotted keys are not used; every key goes at the top";
        }
        auto option = "--" + item.name;
        std::replace(option.begin(), option.end(), '_', '-');
        const auto it = std::find_if(known.begin(), known.end(), [&](const CLI::Option* opt) {
            return long_name(*opt) == option;
        });
        const auto where = path + ": " + item.name + ": ";
        if (it == known.end()) {
            return path + ": unknown key '" + item.name + "'";
        }
        if (option == "--config") {
            return where + "a config file cannot name another";
        }
        if (!seen.insert(option).second) {
            return where + "given twice";
        }
        if (auto error = malformed(item)) {
            return where + *error;
        }
        if ((*it)->count() > 0) {
            continue;  // the command line or a variable gave it
        }
        if (auto error = give(**it, item.inputs)) {
            return where + *error;
        }
        origins.record(option, setting_source::file, path + ": " + item.name);
    }
    return std::nullopt;
}

}  // namespace echo::app
