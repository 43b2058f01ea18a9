// The client's WebSocket frames: headers in their shortest length form, masking that
// undoes itself; and the reader of the server's frames, which must give the same
// events whatever the split of its input, and refuse what RFC 6455 forbids a server.
#include "core/ws_client_frame.hpp"
#include "core/ws_frame_reader.hpp"

#include "split_points.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using echo::core::copy_masked;
using echo::core::ws_event;
using echo::core::ws_frame_reader;
using echo::core::ws_mask_key;
using echo::core::ws_opcode;
using echo::core::write_client_frame_header;

namespace {

using bytes = std::vector<std::byte>;

bytes server_frame(unsigned first, const std::string& payload, unsigned extra_second = 0) {
    bytes f{std::byte(first)};
    const std::size_t n = payload.size();
    if (n < 126) {
        f.push_back(std::byte(n | extra_second));
    } else if (n <= 0xffff) {
        f.push_back(std::byte(126 | extra_second));
        f.push_back(std::byte(n >> 8));
        f.push_back(std::byte(n));
    } else {
        f.push_back(std::byte(127 | extra_second));
        for (int i = 7; i >= 0; --i) {
            f.push_back(std::byte(static_cast<std::uint64_t>(n) >> (8 * i)));
        }
    }
    for (char ch : payload) {
        f.push_back(std::byte(ch));
    }
    return f;
}

void add(bytes& to, const bytes& more) { to.insert(to.end(), more.begin(), more.end()); }

// What a reader reports of an input given in `pieces`: the messages' payloads with
// their opcode, "ctl<op>:<payload>" for each control frame, "ERR:<problem>" at the end.
std::vector<std::string> events_of(const std::vector<std::span<const std::byte>>& pieces) {
    ws_frame_reader r;
    std::vector<std::string> out;
    std::string message;
    for (auto in : pieces) {
        while (!in.empty()) {
            const ws_event e = r.next(in);
            if (e.what == ws_event::kind::error) {
                out.push_back("ERR:" + r.problem());
                return out;
            }
            in = in.subspan(e.used);
            if (e.what == ws_event::kind::data) {
                for (auto b : e.payload) {
                    message += static_cast<char>(b);
                }
                if (e.message_end) {
                    out.push_back(std::to_string(static_cast<int>(e.opcode)) + ":" + message);
                    message.clear();
                }
            } else if (e.what == ws_event::kind::control) {
                std::string p;
                for (auto b : e.payload) {
                    p += static_cast<char>(b);
                }
                out.push_back("ctl" + std::to_string(static_cast<int>(e.opcode)) + ":" + p);
            }
        }
    }
    return out;
}

// The same events whole, cut in two at every point, and byte by byte.
std::vector<std::string> same_at_every_split(const bytes& input) {
    return echo::test::same_at_every_split(std::span<const std::byte>{input}, events_of);
}

}  // namespace

TEST(WsClientFrame, HeaderTakesTheShortestLengthAndTheMask) {
    const ws_mask_key key{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    std::array<std::byte, echo::core::kMaxClientFrameHeader> h{};
    ASSERT_EQ(write_client_frame_header(h, ws_opcode::binary, 125, key), 6U);
    EXPECT_EQ(h[0], std::byte{0x82});
    EXPECT_EQ(h[1], std::byte{0x80 | 125});
    EXPECT_EQ(h[2], std::byte{1});
    EXPECT_EQ(h[5], std::byte{4});
    ASSERT_EQ(write_client_frame_header(h, ws_opcode::text, 126, key), 8U);
    EXPECT_EQ(h[0], std::byte{0x81});
    EXPECT_EQ(h[1], std::byte{0x80 | 126});
    EXPECT_EQ(h[2], std::byte{0});
    EXPECT_EQ(h[3], std::byte{126});
    ASSERT_EQ(write_client_frame_header(h, ws_opcode::binary, 65535, key), 8U);
    EXPECT_EQ(h[2], std::byte{0xff});
    ASSERT_EQ(write_client_frame_header(h, ws_opcode::close, 65536, key), 14U);
    EXPECT_EQ(h[0], std::byte{0x88});
    EXPECT_EQ(h[1], std::byte{0x80 | 127});
    EXPECT_EQ(h[7], std::byte{1});  // 0x00000000'00010000, big-endian
    EXPECT_EQ(h[10], std::byte{1});
}

// Masking in pieces at any offset gives what masking whole gives, and unmasking (the
// same XOR) gives the bytes back; `keep` 0x7f clears every top bit first.
TEST(WsClientFrame, MaskingInPiecesEqualsWholeAndUndoesItself) {
    const ws_mask_key key{std::byte{0xa5}, std::byte{0x17}, std::byte{0xf0}, std::byte{0x3c}};
    bytes plain(37);
    for (std::size_t i = 0; i < plain.size(); ++i) {
        plain[i] = std::byte(i * 37 + 200);
    }
    bytes whole(plain.size());
    copy_masked(plain, whole, key, 0);
    for (std::size_t i = 0; i < plain.size(); ++i) {
        ASSERT_EQ(whole[i], plain[i] ^ key[i % 4]) << i;
    }
    for (std::size_t cut = 0; cut <= plain.size(); ++cut) {
        bytes pieces(plain.size());
        const std::span<const std::byte> p{plain};
        copy_masked(p.first(cut), std::span{pieces}.first(cut), key, 0);
        copy_masked(p.subspan(cut), std::span{pieces}.subspan(cut), key, cut);
        ASSERT_EQ(pieces, whole) << cut;
    }
    bytes back(plain.size());
    copy_masked(whole, back, key, 0);
    EXPECT_EQ(back, plain);
    bytes seven(plain.size());
    copy_masked(plain, seven, key, 0, std::byte{0x7f});
    copy_masked(seven, back, key, 0);
    for (std::size_t i = 0; i < plain.size(); ++i) {
        ASSERT_EQ(back[i], plain[i] & std::byte{0x7f}) << i;
    }
}

TEST(WsFrameReader, SameEventsAtEverySplit) {
    bytes in;
    add(in, server_frame(0x02, "ab"));                     // binary, not final
    add(in, server_frame(0x89, "hi"));                     // a ping between fragments
    add(in, server_frame(0x00, "cd"));                     // continuation
    add(in, server_frame(0x80, ""));                       // empty final continuation
    add(in, server_frame(0x81, std::string(126, 't')));    // text, 16-bit length
    add(in, server_frame(0x8a, ""));                       // empty pong
    add(in, server_frame(0x82, ""));                       // empty binary message
    add(in, server_frame(0x88, std::string("\x03\xe8", 2)));  // close 1000
    const auto events = same_at_every_split(in);
    const std::vector<std::string> want{"ctl9:hi",  "2:abcd", "1:" + std::string(126, 't'),
                                        "ctl10:",   "2:",     std::string("ctl8:\x03\xe8", 7)};
    EXPECT_EQ(events, want);
}

// An empty frame is reported by the call that takes its header's last byte, even
// when the input ends there: echo-bench must see an empty message end without
// waiting for bytes the server may never send.
TEST(WsFrameReader, EmptyFrameReportedWithItsHeadersLastByte) {
    bytes in = server_frame(0x01, "");
    add(in, server_frame(0x80, ""));
    ws_frame_reader r;
    const auto first = r.next(in);
    EXPECT_EQ(first.what, ws_event::kind::data);
    EXPECT_EQ(first.used, 2U);
    EXPECT_TRUE(first.payload.empty());
    EXPECT_FALSE(first.message_end);
    const auto last = r.next(std::span<const std::byte>{in}.subspan(2));
    EXPECT_EQ(last.what, ws_event::kind::data);
    EXPECT_EQ(last.used, 2U);
    EXPECT_TRUE(last.message_end);
    EXPECT_EQ(last.opcode, ws_opcode::text);
    const auto empty_ping = server_frame(0x89, "");
    EXPECT_EQ(r.next(std::span<const std::byte>{empty_ping}.first(1)).what,
              ws_event::kind::progress);
    const auto ping = r.next(std::span<const std::byte>{empty_ping}.subspan(1));
    EXPECT_EQ(ping.what, ws_event::kind::control);
    EXPECT_EQ(ping.used, 1U);
}

TEST(WsFrameReader, LargeFrameWithA64BitLength) {
    const std::string big(70000, 'x');
    const auto in = server_frame(0x82, big);
    EXPECT_EQ(events_of({std::span<const std::byte>{in}}), std::vector<std::string>{"2:" + big});
    const std::span<const std::byte> all{in};
    EXPECT_EQ(events_of({all.first(5), all.subspan(5, 9), all.subspan(14)}),
              std::vector<std::string>{"2:" + big});
}

TEST(WsFrameReader, CloseCode) {
    const std::array<std::byte, 2> code{std::byte{0x03}, std::byte{0xe9}};
    EXPECT_EQ(ws_frame_reader::close_code(code), 1001);
    EXPECT_EQ(ws_frame_reader::close_code({}), 1005);
}

// Every fault is found wherever the input is cut, and after one the reader says so
// on every later call.
TEST(WsFrameReader, RefusesWhatAServerMayNotSend) {
    struct bad_case {
        bytes input;
        const char* words;
    };
    bytes mid_message = server_frame(0x01, "a");
    add(mid_message, server_frame(0x82, "b"));
    bytes top_bit{std::byte{0x82}, std::byte{127}, std::byte{0x80}};
    top_bit.resize(10);
    const std::vector<bad_case> cases{
        {server_frame(0x82, "abc", 0x80), "masked"},
        {server_frame(0xc2, "abc"), "reserved bits"},
        {server_frame(0x83, "abc"), "reserved opcode 3"},
        {server_frame(0x8b, "abc"), "reserved opcode 11"},
        {server_frame(0x80, "abc"), "continuation frame with no message"},
        {mid_message, "new message before"},
        {server_frame(0x09, "p"), "control frame fragmented"},
        {server_frame(0x89, std::string(126, 'p')), "over 125"},
        {top_bit, "top bit"},
        {server_frame(0x88, "\x03"), "1-byte body"},
    };
    for (const auto& c : cases) {
        const auto events = same_at_every_split(c.input);
        ASSERT_FALSE(events.empty()) << c.words;
        EXPECT_NE(events.back().find(c.words), std::string::npos) << events.back();
    }
    ws_frame_reader r;
    const auto in = server_frame(0x82, "abc", 0x80);
    ASSERT_EQ(r.next(in).what, ws_event::kind::error);
    EXPECT_EQ(r.next(server_frame(0x82, "ok")).what, ws_event::kind::error);
}
