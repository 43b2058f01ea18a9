// The real environment and file system behind config_sources, and the one rule that
// names an option's variable.
#include "app/echo_server/config_sources.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace echo::app {

namespace {

std::variant<std::string, unreadable_file> read_regular_file(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec) {
        return unreadable_file{ec.message()};
    }
    // A FIFO or a device (/dev/stdin, /dev/zero) could block or never end.
    if (!std::filesystem::is_regular_file(status)) {
        return unreadable_file{"not a regular file"};
    }
    if (std::filesystem::file_size(path, ec) > kMaxConfigFileBytes || ec) {
        return unreadable_file{ec ? ec.message() : "larger than 1 MiB"};
    }
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        return unreadable_file{std::strerror(errno)};
    }
    std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    if (in.bad()) {
        return unreadable_file{std::strerror(errno)};
    }
    return text;
}

}  // namespace

config_sources no_config_sources() {
    return {[](const std::string&) { return std::optional<std::string>{}; },
            [](const std::string&) -> std::variant<std::string, unreadable_file> {
                return unreadable_file{"no files are readable here"};
            }};
}

config_sources process_config_sources() {
    return {[](const std::string& name) {
                // Read once, at start, before any thread exists (getenv is not
                // thread-safe against setenv).
                const char* value = std::getenv(name.c_str());
                return value ? std::optional<std::string>{value} : std::nullopt;
            },
            read_regular_file};
}

std::string variable_for(const std::string& long_option) {
    std::string name = "ECHO_SERVER_";
    for (char c : long_option.substr(long_option.find_first_not_of('-'))) {
        name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return name;
}

}  // namespace echo::app
