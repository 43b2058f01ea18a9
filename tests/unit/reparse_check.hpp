// What the command-line tests check of a parser object that parses many command lines
// (as the fuzz targets use it): each parse gives what a fresh parser gives.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace echo::test {

using args_list = std::vector<const char*>;

inline std::string joined(const args_list& args) {
    std::string s;
    for (const auto* a : args) {
        s += std::string{" "} + a;
    }
    return s;
}

// `program` then `args`, parsed by `parser` (app::command_line or bench_command_line).
template <class Parser>
auto parse_with(Parser& parser, const char* program, const args_list& args) {
    args_list argv{program};
    argv.insert(argv.end(), args.begin(), args.end());
    return parser.parse(static_cast<int>(argv.size()), argv.data());
}

// For every ordered pair (first, second) of the table: a parser that has parsed
// `first` then parses `second` to what a fresh one gives, as `describe` (every field
// of the result) tells. `make` builds a parser; `program` is argv[0].
template <class Make, class Describe>
void expect_reuse_matches_fresh(const std::vector<args_list>& table, const char* program,
                                Make make, Describe describe) {
    for (const auto& second : table) {
        auto fresh = make();
        const auto expected = describe(parse_with(fresh, program, second));
        for (const auto& first : table) {
            auto reused = make();
            (void)parse_with(reused, program, first);
            EXPECT_EQ(describe(parse_with(reused, program, second)), expected)
                << "after" << joined(first) << ", parsing" << joined(second);
        }
    }
}

}  // namespace echo::test
