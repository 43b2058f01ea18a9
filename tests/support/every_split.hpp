// Runs a sans-I/O reader over its input whole, cut in two at every point, and
// byte by byte, and expects the same outcome each time: the split test the
// HTTP line guard and request reader share.
#pragma once

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace echo::testing {

// `read` takes the pieces in order and returns a comparable outcome; returns the
// outcome of the whole input.
template <class Read>
auto read_at_every_split(std::string_view input, Read read) {
    const auto whole = read(std::vector<std::string_view>{input});
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
        const std::vector<std::string_view> two{input.substr(0, cut), input.substr(cut)};
        EXPECT_EQ(read(two), whole) << "cut at " << cut;
    }
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < input.size(); ++i) {
        bytes.push_back(input.substr(i, 1));
    }
    EXPECT_EQ(read(bytes), whole) << "byte by byte";
    return whole;
}

}  // namespace echo::testing
