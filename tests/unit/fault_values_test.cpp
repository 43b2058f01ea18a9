// fault_values: each reading takes its documented forms up to and including its cap,
// refuses past it with the key's name and leaves the field alone; and a stream and a
// udp listener word the same mistake in a shared key the same way.
#include "core/datagram_faults.hpp"
#include "core/fault_values.hpp"
#include "core/stream_faults.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using namespace std::chrono_literals;
using echo::core::take_fault_bytes;
using echo::core::take_fault_duration;
using echo::core::take_fault_probability;
using echo::core::take_fault_rate;
using echo::core::take_fault_seed;

TEST(FaultValues, DurationsUpToAndIncludingTheCap) {
    std::chrono::nanoseconds d{7};
    EXPECT_EQ(take_fault_duration("slow_close", "1h", 1h, d), "");
    EXPECT_EQ(d, 1h);
    EXPECT_EQ(take_fault_duration("slow_close", "60m", 1h, d), "");
    EXPECT_EQ(take_fault_duration("delay", "60s", 1min, d), "");
    EXPECT_EQ(d, 1min);
    EXPECT_EQ(take_fault_duration("delay", "60.001s", 1min, d),
              "delay must be a duration (250ms, 1.5s) of at most 60 s");
    EXPECT_EQ(take_fault_duration("stall_for", "61m", 1h, d),
              "stall_for must be a duration (250ms, 1.5s) of at most 3600 s");
    EXPECT_EQ(d, 1min);  // a refusal leaves the field as it was
}

TEST(FaultValues, BytesUpToAndIncludingTheCapWhichTheReasonNamesInItsUnit) {
    constexpr std::uint64_t kTiB = std::uint64_t{1} << 40;
    std::uint64_t n = 7;
    for (const std::string_view cap_itself : {"1TiB", "1024GiB", "1099511627776"}) {
        n = 7;
        EXPECT_EQ(take_fault_bytes("close_after", cap_itself, kTiB, n), "") << cap_itself;
        EXPECT_EQ(n, kTiB) << cap_itself;
    }
    n = 7;
    EXPECT_EQ(take_fault_bytes("close_after", "1099511627777", kTiB, n),
              "close_after must be bytes (4096, 10KiB, 1MiB) of at most 1TiB");
    EXPECT_EQ(take_fault_bytes("x", "2", 1, n), "x must be bytes (4096, 10KiB, 1MiB) of at most 1");
    EXPECT_EQ(take_fault_bytes("x", "3KiB", 3 << 10, n), "");
    EXPECT_EQ(take_fault_bytes("x", "3073", 3 << 10, n),
              "x must be bytes (4096, 10KiB, 1MiB) of at most 3KiB");
    EXPECT_EQ(n, 3072u);
}

TEST(FaultValues, RatesTakePerSecondAndRefuseZero) {
    std::uint64_t r = 7;
    EXPECT_EQ(take_fault_rate("rate", "64KiB/s", 1 << 20, r), "");
    EXPECT_EQ(r, 65536u);
    EXPECT_EQ(take_fault_rate("rate", "1MiB", 1 << 20, r), "");
    EXPECT_EQ(r, 1u << 20);
    const std::string why = "rate must be bytes per second (4096, 64KiB, 1MiB/s) from 1 to 1MiB";
    for (const std::string_view bad : {"0", "0/s", "1MiB/s/s", "/s", "1MB", "1025KiB", "1 /s"}) {
        EXPECT_EQ(take_fault_rate("rate", bad, 1 << 20, r), why) << bad;
    }
    EXPECT_EQ(r, 1u << 20);
}

TEST(FaultValues, ProbabilitiesAndSeeds) {
    double p = 0.5;
    EXPECT_EQ(take_fault_probability("drop", "1", p), "");
    EXPECT_EQ(p, 1.0);
    EXPECT_EQ(take_fault_probability("drop", "1.5", p),
              "drop must be a probability from 0 to 1 (0.1)");
    EXPECT_EQ(p, 1.0);
    std::uint64_t s = 7;
    EXPECT_EQ(take_fault_seed("seed", "18446744073709551615", s), "");
    EXPECT_EQ(s, ~std::uint64_t{0});
    EXPECT_EQ(take_fault_seed("seed", "18446744073709551616", s),
              "seed must be a whole number from 0 to 18446744073709551615");
    EXPECT_EQ(s, ~std::uint64_t{0});
}

TEST(FaultValues, StreamAndUdpListenersWordTheSameMistakeTheSameWay) {
    const std::pair<std::string_view, std::string_view> mistakes[] = {
        {"delay", "61s"}, {"delay", "10KB"}, {"jitter", "-1ms"}, {"rate", "0"},
        {"rate", "10KB"}, {"rate", "17GiB/s"}, {"seed", "-1"}, {"seed", "x"}};
    for (const auto& [key, value] : mistakes) {
        std::optional<echo::core::stream_faults> stream;
        std::optional<echo::core::datagram_faults> udp;
        const auto from_stream = echo::core::take_stream_fault_key(key, value, stream);
        const auto from_udp = echo::core::take_datagram_fault_key(key, value, udp);
        ASSERT_TRUE(from_stream && from_udp) << key;
        EXPECT_FALSE(from_stream->empty()) << key << "=" << value;
        EXPECT_EQ(*from_stream, *from_udp) << key << "=" << value;
    }
    // And the same forms: udp's rate takes its unit as the stream's does.
    std::optional<echo::core::datagram_faults> udp;
    EXPECT_EQ(echo::core::take_datagram_fault_key("rate", "64KiB/s", udp), std::string{});
    EXPECT_EQ(udp->rate, 65536u);
}
