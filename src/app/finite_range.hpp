// CLI::Range for floating-point options, without NaN: every comparison with NaN is
// false, so CLI::Range accepts "nan" as inside any range (see fuzz/fuzz_cli.cpp).
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <string>

namespace echo::app {

// Accepts finite values in [low, high]; --help describes it as CLI::Range does.
[[nodiscard]] inline CLI::Validator finite_range(double low, double high) {
    const CLI::Range range{low, high};
    return CLI::Validator{
        [low, high](std::string& input) -> std::string {
            double v = 0;
            if (!CLI::detail::lexical_cast(input, v) || !std::isfinite(v) || v < low || v > high) {
                return "Value " + input + " not in range " + std::to_string(low) + " to " +
                       std::to_string(high);
            }
            return {};
        },
        range.get_description()};
}

}  // namespace echo::app
