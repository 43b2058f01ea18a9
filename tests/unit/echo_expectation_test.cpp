// echo_expectation: whatever the split of writes and reads, a faithful echo
// completes every message in order, and a wrong, missing or extra byte is caught.
#include "core/echo_expectation.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

using echo::core::echo_expectation;
using echo::core::message_pattern;

namespace {

// Drains what the expectation wants to send, at most `limit` bytes per "write".
std::vector<std::byte> send_all(echo_expectation& e, std::size_t limit) {
    std::vector<std::byte> wire;
    std::array<std::span<const std::byte>, 3> spans;
    while (std::size_t n = e.next_to_send(spans)) {
        std::size_t budget = limit, sent = 0;
        for (std::size_t i = 0; i < n && budget > 0; ++i) {
            const std::size_t take = std::min(budget, spans[i].size());
            wire.insert(wire.end(), spans[i].begin(), spans[i].begin() + take);
            budget -= take;
            sent += take;
        }
        e.on_sent(sent);
    }
    return wire;
}

}  // namespace

TEST(EchoExpectation, FaithfulEchoCompletesInOrderAtEverySplit) {
    const message_pattern pattern{100, 3};
    for (std::size_t write_limit : {1, 5, 16, 17, 64, 1000}) {
        for (std::size_t read_size = 1; read_size <= 40; read_size += 3) {
            echo_expectation e{pattern, 4};
            const std::uint32_t sizes[] = {1, 16, 17, 100, 3};
            for (std::uint64_t seq = 0; seq < 5; ++seq) {
                e.push(seq, sizes[seq], static_cast<std::int64_t>(seq) * 10);
            }
            const auto wire = send_all(e, write_limit);
            ASSERT_EQ(wire.size(), 137U);
            std::vector<std::uint64_t> done;
            for (std::size_t at = 0; at < wire.size(); at += read_size) {
                const std::size_t n = std::min(read_size, wire.size() - at);
                const auto v = e.on_received({wire.data() + at, n},
                                             [&](const auto& c) { done.push_back(c.seq); });
                ASSERT_TRUE(v.ok) << v.problem;
            }
            EXPECT_EQ(done, (std::vector<std::uint64_t>{0, 1, 2, 3, 4}));
            EXPECT_EQ(e.in_flight(), 0U);
        }
    }
}

TEST(EchoExpectation, ReportsTheMessageAndByteOfAFlip) {
    const message_pattern pattern{100, 3};
    echo_expectation e{pattern, 7};
    e.push(0, 50, 0);
    e.push(1, 50, 0);
    auto wire = send_all(e, 1000);
    wire[73] ^= std::byte{0x80};
    const auto v = e.on_received(wire, [](const auto&) {});
    ASSERT_FALSE(v.ok);
    EXPECT_EQ(v.problem, "mismatch in connection 7 message 1 (50 bytes) at byte 23");
}

TEST(EchoExpectation, BytesBeyondWhatWasSentAreAnError) {
    const message_pattern pattern{100, 3};
    echo_expectation e{pattern, 0};
    e.push(0, 10, 0);
    auto wire = send_all(e, 1000);
    wire.push_back(std::byte{0});
    const auto v = e.on_received(wire, [](const auto&) {});
    ASSERT_FALSE(v.ok);
    EXPECT_NE(v.problem.find("more than were sent"), std::string::npos);
}

TEST(EchoExpectation, RingGrowsWithoutLosingOrder) {
    const message_pattern pattern{16, 3};
    echo_expectation e{pattern, 0};
    for (std::uint64_t seq = 0; seq < 1000; ++seq) {
        e.push(seq, 8, static_cast<std::int64_t>(seq));
    }
    const auto wire = send_all(e, 1 << 20);
    std::uint64_t expect = 0;
    const auto v = e.on_received(wire, [&](const auto& c) {
        EXPECT_EQ(c.seq, expect);
        EXPECT_EQ(c.sent_ns, static_cast<std::int64_t>(expect));
        ++expect;
    });
    EXPECT_TRUE(v.ok);
    EXPECT_EQ(expect, 1000U);
}
