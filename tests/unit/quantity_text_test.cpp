// quantity_text: each reading takes exactly the documented forms and refuses the
// near misses a user types (a sign, a wrong unit, trailing bytes, over the cap).
#include "core/quantity_text.hpp"

#include <gtest/gtest.h>

#include <string_view>

using namespace std::chrono_literals;
using echo::core::parse_byte_size;
using echo::core::parse_duration;
using echo::core::parse_probability;

TEST(QuantityText, DurationsTakeEveryUnitAndBareSeconds) {
    EXPECT_EQ(parse_duration("250ms"), 250ms);
    EXPECT_EQ(parse_duration("1.5s"), 1500ms);
    EXPECT_EQ(parse_duration("2"), 2s);
    EXPECT_EQ(parse_duration("2m"), 120s);
    EXPECT_EQ(parse_duration("1h"), 3600s);
    EXPECT_EQ(parse_duration("0.5h"), 30min);
    EXPECT_EQ(parse_duration("100us"), 100us);
    EXPECT_EQ(parse_duration("0"), 0ns);
    EXPECT_EQ(parse_duration(".5s"), 500ms);
}

TEST(QuantityText, DurationsRefuseNearMisses) {
    for (std::string_view bad : {"", "-1s", "+1s", "1d", "1H", "1hr", "1 s", "s", "ms", "1.5.0s",
                                 "inf", "nan", "1e30s", "10msx"}) {
        EXPECT_FALSE(parse_duration(bad)) << bad;
    }
}

TEST(QuantityText, ByteSizesTakeBinaryUnitsUpToTheCap) {
    EXPECT_EQ(parse_byte_size("10", 1 << 20), 10U);
    EXPECT_EQ(parse_byte_size("10KiB", 1 << 20), 10240U);
    EXPECT_EQ(parse_byte_size("1MiB", 1 << 20), 1U << 20);
    EXPECT_EQ(parse_byte_size("1GiB", std::uint64_t{1} << 40), std::uint64_t{1} << 30);
    EXPECT_EQ(parse_byte_size("1TiB", std::uint64_t{1} << 40), std::uint64_t{1} << 40);
    EXPECT_EQ(parse_byte_size("1024GiB", std::uint64_t{1} << 40), std::uint64_t{1} << 40);
    EXPECT_FALSE(parse_byte_size("1099511627777", std::uint64_t{1} << 40));
    EXPECT_FALSE(parse_byte_size("16777216TiB", ~std::uint64_t{0}));
    EXPECT_FALSE(parse_byte_size("2MiB", 1 << 20));
    EXPECT_FALSE(parse_byte_size("18446744073709551615KiB", ~std::uint64_t{0}));
    for (std::string_view bad : {"", "KiB", "10KB", "10k", "-1", "1.5MiB", " 1", "1 KiB"}) {
        EXPECT_FALSE(parse_byte_size(bad, ~std::uint64_t{0})) << bad;
    }
}

TEST(QuantityText, ProbabilitiesAreFractionsFromZeroToOne) {
    EXPECT_EQ(parse_probability("0"), 0.0);
    EXPECT_EQ(parse_probability("1"), 1.0);
    EXPECT_EQ(parse_probability("0.25"), 0.25);
    EXPECT_EQ(parse_probability(".5"), 0.5);
    for (std::string_view bad : {"", "-0.1", "1.01", "2", "nan", "inf", "0.5x", "50%"}) {
        EXPECT_FALSE(parse_probability(bad)) << bad;
    }
}
