// What every fuzz target uses to state a property of a parser's result: a broken
// property aborts, so libFuzzer saves the input that broke it (assert would vanish
// under NDEBUG).
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace echo::fuzz {

inline void require(bool holds, const char* property) {
    if (!holds) {
        std::fprintf(stderr, "fuzz property violated: %s\n", property);
        std::abort();
    }
}

// A number option's value: finite (NaN passes every range check) and in [low, high].
inline bool within(double v, double low, double high) {
    return std::isfinite(v) && v >= low && v <= high;
}

}  // namespace echo::fuzz
