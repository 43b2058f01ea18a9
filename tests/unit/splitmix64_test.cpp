// splitmix64: the sequence is the reference one (Vigna's splitmix64.c), so a seed
// written down today gives the same faults and message bytes in every later build.
#include "core/splitmix64.hpp"

#include <gtest/gtest.h>

#include <cstdint>

using echo::core::splitmix64;
using echo::core::splitmix64_mix;

TEST(Splitmix64, GivesThePublishedSequenceForSeed1234567) {
    // Rosetta Code, "Pseudo-random numbers/Splitmix64": the first five of seed 1234567.
    splitmix64 g{1234567};
    for (const std::uint64_t want : {6457827717110365317ULL, 3203168211198807973ULL,
                                     9817491932198370423ULL, 4593380528125082431ULL,
                                     16408922859458223821ULL}) {
        EXPECT_EQ(g.next(), want);
    }
}

TEST(Splitmix64, MixIsOneDrawFromTheStateBeforeTheAdd) {
    splitmix64 g{0};
    EXPECT_EQ(g.next(), splitmix64_mix(0x9e3779b97f4a7c15ULL));
    EXPECT_EQ(splitmix64_mix(0), 0U);
    static_assert(splitmix64{1234567}.next() == 6457827717110365317ULL);
}

TEST(Splitmix64, UniformIsTheTop53BitsOfTheSameDraw) {
    splitmix64 ints{42};
    splitmix64 reals{42};
    for (int i = 0; i < 1000; ++i) {
        const double u = reals.uniform();
        EXPECT_EQ(u, static_cast<double>(ints.next() >> 11) / 9007199254740992.0);
        EXPECT_GE(u, 0.0);
        EXPECT_LT(u, 1.0);
    }
}
