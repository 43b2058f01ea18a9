// What the sans-I/O parsers' tests check at every split point of an input: the
// events it gives read whole, cut in two at every point, and byte by byte, agree.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <span>
#include <vector>

namespace echo::test {

using pieces = std::vector<std::span<const std::byte>>;

// `events_of(pieces)` feeds the pieces in order to a fresh parser and describes
// what it reported; returns the description of the whole input.
template <class EventsOf>
auto same_at_every_split(std::span<const std::byte> input, EventsOf events_of) {
    const auto whole = events_of(pieces{input});
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        EXPECT_EQ(events_of(pieces{input.first(cut), input.subspan(cut)}), whole)
            << "cut at " << cut;
    }
    pieces single;
    for (std::size_t i = 0; i < input.size(); ++i) {
        single.push_back(input.subspan(i, 1));
    }
    EXPECT_EQ(events_of(single), whole) << "byte by byte";
    return whole;
}

}  // namespace echo::test
