// The frame head reader: every head form (7-, 16- and 64-bit lengths, masked or
// not) read the same whole, cut in two at every point and byte by byte; it never
// takes a byte past the head, and refuses lengths not in their shortest form.
#include "core/ws_frame_head.hpp"

#include "split_points.hpp"
#include "support/websocket_frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using echo::core::ws_frame_head;
using echo::core::ws_frame_head_reader;
using echo::testing::client_frame;
using echo::testing::client_frame_bits;

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span{s}); }

std::string describe(const ws_frame_head& h) {
    std::string s = "fin=" + std::to_string(h.fin) + " rsv=" + std::to_string(h.rsv) +
                    " op=" + std::to_string(h.opcode) + " masked=" + std::to_string(h.masked) +
                    " ok=" + std::to_string(h.length_ok) + " len=" + std::to_string(h.length) + " key=";
    for (auto b : h.key) s += std::to_string(std::to_integer<unsigned>(b)) + ",";
    return s;
}

// Feeds the pieces, reading up to `max_heads` heads; says where each ended and
// what it held, then how many bytes were left over.
std::vector<std::string> heads_of(const echo::test::pieces& pieces, std::size_t max_heads) {
    ws_frame_head_reader reader;
    std::vector<std::string> out;
    std::size_t at = 0, rest = 0;
    for (auto piece : pieces) {
        while (!piece.empty() && out.size() < max_heads) {
            const auto used = reader.take(piece);
            at += used;
            piece = piece.subspan(used);
            if (!reader.complete()) {
                EXPECT_TRUE(piece.empty()) << "an unfinished head took all it was given";
                break;
            }
            out.push_back("at " + std::to_string(at) + ": " + describe(reader.next()));
        }
        rest += piece.size();
    }
    out.push_back("rest " + std::to_string(rest));
    return out;
}

ws_frame_head read_one(const std::string& frame) {
    ws_frame_head_reader reader;
    const auto used = reader.take(bytes_of(frame));
    EXPECT_TRUE(reader.complete());
    const auto head = reader.next();
    EXPECT_EQ(used + head.length, frame.size());
    return head;
}

TEST(WsFrameHead, EveryLengthFormReadsTheSameAtEverySplit) {
    for (std::size_t n : {0u, 5u, 125u, 126u, 65535u, 65536u}) {
        for (bool masked : {true, false}) {
            SCOPED_TRACE(std::to_string(n) + (masked ? " masked" : " unmasked"));
            const auto frame = client_frame(2, std::string(n, 'x'), {.fin = false, .rsv = 5, .masked = masked});
            const auto head_size = frame.size() - n;
            // The head then one payload byte, if any: the byte must be left over.
            const auto input = frame.substr(0, head_size + (n > 0 ? 1 : 0));
            const auto whole = echo::test::same_at_every_split(
                bytes_of(input), [](const auto& p) { return heads_of(p, 1); });
            ASSERT_EQ(whole.size(), 2u);
            EXPECT_EQ(whole[0].rfind("at " + std::to_string(head_size) + ":", 0), 0u) << whole[0];
            EXPECT_EQ(whole[1], n > 0 ? "rest 1" : "rest 0");
            const auto head = read_one(frame);
            EXPECT_FALSE(head.fin);
            EXPECT_EQ(head.rsv, 5);
            EXPECT_EQ(head.opcode, 2);
            EXPECT_EQ(head.masked, masked);
            EXPECT_TRUE(head.length_ok);
            EXPECT_EQ(head.length, n);
            const std::array<std::uint8_t, 4> key = masked ? client_frame_bits{}.mask : std::array<std::uint8_t, 4>{};
            for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(std::to_integer<unsigned>(head.key[i]), key[i]);
        }
    }
}

TEST(WsFrameHead, ReadsHeadAfterHead) {
    const auto input = client_frame(9, "") + client_frame(1, "") + client_frame(8, "", {.masked = false});
    const auto heads =
        echo::test::same_at_every_split(bytes_of(input), [](const auto& p) { return heads_of(p, 3); });
    ASSERT_EQ(heads.size(), 4u);
    EXPECT_EQ(heads[0].rfind("at 6: fin=1 rsv=0 op=9", 0), 0u) << heads[0];
    EXPECT_EQ(heads[1].rfind("at 12: fin=1 rsv=0 op=1", 0), 0u) << heads[1];
    EXPECT_EQ(heads[2].rfind("at 14: fin=1 rsv=0 op=8 masked=0", 0), 0u) << heads[2];
    EXPECT_EQ(heads[3], "rest 0");
}

TEST(WsFrameHead, WaitsForTheWholeHead) {
    const std::string head{"\x82\xff\x00\x00\x01\x00\x00\x00\x00\x00\x01\x02\x03\x04", 14};
    for (std::size_t n = 0; n < head.size(); ++n) {
        ws_frame_head_reader reader;
        EXPECT_EQ(reader.take(bytes_of(head.substr(0, n))), n);
        EXPECT_FALSE(reader.complete()) << n;
    }
    ws_frame_head_reader reader;
    EXPECT_EQ(reader.take(bytes_of(head + "x")), head.size());
    ASSERT_TRUE(reader.complete());
    EXPECT_EQ(reader.next().length, std::uint64_t{1} << 40);
}

TEST(WsFrameHead, LengthsNotInTheirShortestFormAreRefused) {
    struct form { std::string head; bool ok; std::uint64_t length; };
    const std::vector<form> forms{
        {std::string{"\x82\x7e\x00\x7d", 4}, false, 125},
        {std::string{"\x82\x7e\x00\x7e", 4}, true, 126},
        {std::string{"\x82\x7f\0\0\0\0\0\0\xff\xff", 10}, false, 65535},
        {std::string{"\x82\x7f\0\0\0\0\0\x01\0\0", 10}, true, 65536},
        {std::string{"\x82\x7f\x80\0\0\0\0\0\0\x01", 10}, false, (std::uint64_t{1} << 63) + 1},
    };
    for (const auto& f : forms) {
        ws_frame_head_reader reader;
        EXPECT_EQ(reader.take(bytes_of(f.head)), f.head.size());
        ASSERT_TRUE(reader.complete());
        const auto head = reader.next();
        EXPECT_EQ(head.length_ok, f.ok) << f.length;
        EXPECT_EQ(head.length, f.length);
    }
}

}  // namespace
