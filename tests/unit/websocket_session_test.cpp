// The echo session driven as a raw client would, through an Autobahn-style case
// list (framing, fragmentation, reserved bits and opcodes, control frames, UTF-8,
// close codes, limits). Each case is fed whole, cut in two at every byte (sampled
// for the large ones) and byte by byte, and must give the same bytes every time.
#include "core/websocket_session.hpp"

#include "core/utf8_validator.hpp"
#include "support/websocket_caller.hpp"
#include "support/websocket_frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace {

using namespace echo::core;
using echo::testing::client_frame;
using echo::testing::client_frame_bits;
using echo::testing::close_payload;
using echo::testing::read_server_frames;
using echo::testing::server_frame;

constexpr std::uint8_t kCont = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10;

client_frame_bits more() { return {.fin = false}; }

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span{s}); }

using run_result = echo::testing::session_run;

// The caller of support/websocket_caller, with the memory bound checked.
run_result run(const websocket_settings& settings, std::string_view input, const std::vector<std::size_t>& cuts,
               bool drain_when_blocked = false) {
    auto r = echo::testing::run_session(settings, input, cuts, drain_when_blocked);
    EXPECT_LE(r.most_held, websocket_session::max_held_bytes(settings));
    return r;
}

void expect_same(const run_result& a, const run_result& b, const std::string& how) {
    EXPECT_EQ(a.output, b.output) << how;
    EXPECT_EQ(a.state, b.state) << how;
    EXPECT_EQ(a.close_code, b.close_code) << how;
    EXPECT_EQ(a.peer_close_code, b.peer_close_code) << how;
    EXPECT_EQ(a.failure, b.failure) << how;
    EXPECT_EQ(a.counters.messages, b.counters.messages) << how;
    EXPECT_EQ(a.counters.message_bytes, b.counters.message_bytes) << how;
    EXPECT_EQ(a.counters.pings, b.counters.pings) << how;
    EXPECT_EQ(a.counters.pongs, b.counters.pongs) << how;
}

// Whole, then at every cut (every 251st past the first and last 300 bytes of a
// large input), then byte by byte; returns the whole run.
run_result run_every_split(const websocket_settings& settings, const std::string& input) {
    const auto whole = run(settings, input, {});
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
        if (input.size() > 2048 && cut > 300 && cut + 300 < input.size() && cut % 251 != 0) continue;
        expect_same(whole, run(settings, input, {cut}), "cut at " + std::to_string(cut));
    }
    std::vector<std::size_t> every_byte;
    for (std::size_t cut = 1; cut < input.size(); ++cut) every_byte.push_back(cut);
    expect_same(whole, run(settings, input, every_byte), "byte by byte");
    return whole;
}

server_frame frame(std::uint8_t opcode, std::string payload, bool fin = true) {
    return {fin, opcode, std::move(payload)};
}
server_frame failure_close(std::uint16_t code, std::string_view failure) {
    return frame(kClose, close_payload(code, failure));
}

// One case of the list: `input` as a client sends it gives `expected` frames, at
// every split, and leaves the session in `state` having failed for `failure`.
void check(const std::string& name, const std::string& input, const std::vector<server_frame>& expected,
           websocket_state state = websocket_state::open, const std::string& failure = "",
           const websocket_settings& settings = {}) {
    SCOPED_TRACE(name);
    const auto r = run_every_split(settings, input);
    const auto frames = read_server_frames(r.output);
    EXPECT_EQ(frames.error, "");
    EXPECT_EQ(frames.incomplete, 0u);
    EXPECT_EQ(frames.frames, expected);
    EXPECT_EQ(r.state, state);
    EXPECT_EQ(r.failure, failure);
}

std::string text(std::string_view s, client_frame_bits bits = {}) { return client_frame(kText, s, bits); }
std::string binary(std::string_view s, client_frame_bits bits = {}) { return client_frame(kBinary, s, bits); }
std::string cont(std::string_view s, client_frame_bits bits = {}) { return client_frame(kCont, s, bits); }
std::string close_frame(std::uint16_t code, std::string_view reason = {}) {
    return client_frame(kClose, close_payload(code, reason));
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7 + i / 251);
    return s;
}

// --- 1-4: framing, lengths, fragmentation, control frames -------------------------

TEST(WebsocketSession, EchoesTextAndBinaryAtEveryLengthForm) {
    for (std::size_t n : {0u, 1u, 125u, 126u, 127u, 65535u, 65536u, 100000u}) {
        const auto payload = pattern(n);
        check("binary " + std::to_string(n), binary(payload), {frame(kBinary, payload)});
        const std::string letters(n, 'x');
        check("text " + std::to_string(n), text(letters), {frame(kText, letters)});
    }
}

TEST(WebsocketSession, ServerFramesUseTheShortestLengthAndNoMask) {
    struct form { std::size_t n; std::string head; };
    for (const auto& [n, head] : std::vector<form>{{125, "\x82\x7d"},
                                                    {126, std::string{"\x82\x7e\x00\x7e", 4}},
                                                    {65535, "\x82\x7e\xff\xff"},
                                                    {65536, std::string{"\x82\x7f\0\0\0\0\0\x01\0\0", 10}}}) {
        const auto r = run({}, binary(pattern(n)), {});
        ASSERT_EQ(r.output.size(), head.size() + n);
        EXPECT_EQ(r.output.substr(0, head.size()), head) << n;
    }
}

TEST(WebsocketSession, ReassemblesFragmentedMessages) {
    check("text in 2", text("Hel", more()) + cont("lo"), {frame(kText, "Hello")});
    check("binary in 3 with empty ones",
           binary("", more()) + cont("ab", more()) + cont("", more()) + cont("c"),
           {frame(kBinary, "abc")});
    std::string many = text("", more());
    for (int i = 0; i < 100; ++i) many += cont(std::string(1, static_cast<char>('a' + i % 26)), more());
    many += cont("");
    std::string letters;
    for (int i = 0; i < 100; ++i) letters += static_cast<char>('a' + i % 26);
    check("text in 102", many, {frame(kText, letters)});
    check("two messages", text("one") + binary("two", more()) + cont("!"),
           {frame(kText, "one"), frame(kBinary, "two!")});
}

TEST(WebsocketSession, EchoFramesModeKeepsTheFragmentation) {
    websocket_settings frames;
    frames.echo_frames = true;
    check("frame for frame", text("Hel", more()) + cont("", more()) + cont("lo") + binary("x"),
           {frame(kText, "Hel", false), frame(kCont, "", false), frame(kCont, "lo"), frame(kBinary, "x")},
           websocket_state::open, "", frames);
    check("ping between fragments", text("Hel", more()) + client_frame(kPing, "p") + cont("lo"),
           {frame(kText, "Hel", false), frame(kPong, "p"), frame(kCont, "lo")},
           websocket_state::open, "", frames);
}

TEST(WebsocketSession, PingsGetPongsAndPongsAreIgnored) {
    const std::string longest(125, 'P');
    check("ping", client_frame(kPing, "Hello"), {frame(kPong, "Hello")});
    check("empty ping", client_frame(kPing, ""), {frame(kPong, "")});
    check("125-byte ping", client_frame(kPing, longest), {frame(kPong, longest)});
    check("binary ping payload", client_frame(kPing, std::string{"\0\xff\xfe", 3}),
           {frame(kPong, std::string{"\0\xff\xfe", 3})});
    check("unsolicited pong", client_frame(kPong, "x") + text("after"), {frame(kText, "after")});
    check("ten pings", [] { std::string s; for (int i = 0; i < 10; ++i) s += client_frame(kPing, "p"); return s; }(),
           std::vector<server_frame>(10, frame(kPong, "p")));
    check("control frames inside a fragmented message",
           text("Hel", more()) + client_frame(kPing, "1") + client_frame(kPong, "u") + cont("l", more()) +
               client_frame(kPing, "2") + cont("lo"),
           {frame(kPong, "1"), frame(kPong, "2"), frame(kText, "Helllo")});
    const auto r = run({}, client_frame(kPing, "a") + client_frame(kPong, "b") + client_frame(kPong, "c"), {});
    EXPECT_EQ(r.counters.pings, 1u);
    EXPECT_EQ(r.counters.pongs, 2u);
}

TEST(WebsocketSession, OversizedOrFragmentedControlFramesAre1002) {
    const auto closing = websocket_state::closed;  // the framer lost the frame boundaries
    check("126-byte ping", client_frame(kPing, std::string(126, 'P')),
           {failure_close(1002, "framing")}, closing, "framing");
    check("fragmented ping", client_frame(kPing, "a", more()), {failure_close(1002, "framing")}, closing,
           "framing");
    check("fragmented ping inside a message", text("a", more()) + client_frame(kPing, "a", more()) + cont("b"),
           {failure_close(1002, "framing")}, closing, "framing");
    check("126-byte close", client_frame(kClose, close_payload(1000, std::string(124, 'r'))),
           {failure_close(1002, "framing")}, closing, "framing");
    check("16-bit length for 5 bytes",
           std::string{"\x82\xfe\x00\x05\x01\x02\x03\x04", 8} + std::string(5, 'x'),
           {failure_close(1002, "framing")}, closing, "framing");
    check("64-bit length with the top bit set", std::string{"\x82\xff\x80\0\0\0\0\0\0\0\1\2\3\4x", 15},
           {failure_close(1002, "framing")}, closing, "framing");
}

// --- reserved bits and opcodes, masking, fragmentation errors ---------------------

TEST(WebsocketSession, ReservedBitsAndOpcodesAre1002) {
    const auto closing = websocket_state::closing;
    for (std::uint8_t rsv = 1; rsv < 8; ++rsv) {
        check("rsv " + std::to_string(rsv) + " on text", text("a", {.rsv = rsv}) + text("after"),
               {failure_close(1002, "reserved_bits")}, closing, "reserved_bits");
        check("rsv " + std::to_string(rsv) + " on ping", client_frame(kPing, "a", {.rsv = rsv}),
               {failure_close(1002, "reserved_bits")}, closing, "reserved_bits");
    }
    for (std::uint8_t opcode : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
        check("opcode " + std::to_string(opcode), text("before") + client_frame(opcode, "x") + text("after"),
               {frame(kText, "before"), failure_close(1002, "reserved_opcode")}, closing, "reserved_opcode");
        check("opcode " + std::to_string(opcode) + " inside a message",
               text("a", more()) + client_frame(opcode, "") + cont("b"),
               {failure_close(1002, "reserved_opcode")}, closing, "reserved_opcode");
    }
}

TEST(WebsocketSession, UnmaskedClientFramesAre1002) {
    check("unmasked text", text("a", {.masked = false}), {failure_close(1002, "unmasked")},
           websocket_state::closing, "unmasked");
    check("unmasked ping after a message", text("ok") + client_frame(kPing, "", {.masked = false}),
           {frame(kText, "ok"), failure_close(1002, "unmasked")}, websocket_state::closing, "unmasked");
}

TEST(WebsocketSession, BrokenFragmentationIs1002) {
    check("continuation first", cont("a"), {failure_close(1002, "continuation")}, websocket_state::closing,
           "continuation");
    check("continuation after a whole message", text("a") + cont("b"),
           {frame(kText, "a"), failure_close(1002, "continuation")}, websocket_state::closing, "continuation");
    check("text inside text", text("a", more()) + text("b"), {failure_close(1002, "unfinished_message")},
           websocket_state::closing, "unfinished_message");
    check("binary inside text", text("a", more()) + binary("b"),
           {failure_close(1002, "unfinished_message")}, websocket_state::closing, "unfinished_message");
}

// --- UTF-8 ----------------------------------------------------------------------

const std::string kValidText[] = {"Hello-\xc2\xb5@\xc3\x9f\xc3\xb6", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
                                  "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", "\xed\x9f\xbf", "\xf0\x90\x80\x80"};
const std::string kInvalidText[] = {"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64",
                                    "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\xff", "\x80",
                                    "\xce\xba\xe1\xbd", "\xf0\x90\x80"};

TEST(WebsocketSession, TextIsCheckedAsUtf8SplitAtEveryByteAcrossFragments) {
    websocket_settings frames;
    frames.echo_frames = true;
    using list = std::span<const std::string>;
    for (list texts : {list{kValidText}, list{kInvalidText}}) {
        const bool valid = texts.data() == kValidText;
        for (const auto& s : texts) {
            const auto expected_whole = valid ? std::vector{frame(kText, s)}
                                              : std::vector{failure_close(1007, "invalid_utf8")};
            const auto state = valid ? websocket_state::open : websocket_state::closing;
            const std::string failure = valid ? "" : "invalid_utf8";
            check("one frame", text(s), expected_whole, state, failure);
            for (std::size_t cut = 0; cut <= s.size(); ++cut) {
                const auto first = s.substr(0, cut), second = s.substr(cut);
                const auto input = text(first, more()) + cont(second);
                check("two fragments cut at " + std::to_string(cut), input, expected_whole, state, failure);
                // Frame for frame, the first fragment is echoed when nothing in it is
                // wrong yet: the verdict may wait for the second.
                std::vector<server_frame> per_frame;
                utf8_validator first_part;
                if (first_part.feed(bytes_of(first))) per_frame.push_back(frame(kText, first, false));
                if (valid) {
                    per_frame.push_back(frame(kCont, second));
                } else {
                    per_frame.push_back(failure_close(1007, "invalid_utf8"));
                }
                check("frame for frame cut at " + std::to_string(cut), input, per_frame, state, failure, frames);
            }
            std::string bytewise = text("", more());
            for (char c : s) bytewise += cont(std::string(1, c), more());
            bytewise += cont("");
            check("a fragment per byte", bytewise, expected_whole, state, failure);
        }
    }
}

TEST(WebsocketSession, InvalidUtf8FailsFastBeforeTheMessageEnds) {
    // Valid text, then a surrogate, in a frame that says 40 bytes and a message that
    // never ends: the close comes at the surrogate's second byte.
    const std::string head_and_text =
        text(std::string("\xce\xba\xe1\xbd\xb9\xed\xa0\x80") + std::string(32, 'a'), more());
    const std::size_t head = 2 + 4;
    const std::size_t bad = head + 5 + 1;  // \xa0 after \xed
    for (std::size_t prefix = head; prefix <= head_and_text.size(); ++prefix) {
        const auto r = run({}, std::string_view{head_and_text}.substr(0, prefix), {});
        const auto frames = read_server_frames(r.output).frames;
        if (prefix <= bad) {
            EXPECT_TRUE(frames.empty()) << prefix;
            EXPECT_EQ(r.state, websocket_state::open);
        } else {
            EXPECT_EQ(frames, std::vector{failure_close(1007, "invalid_utf8")}) << prefix;
        }
    }
    // In a fragment: the message's later fragments never arrive.
    check("bad first fragment", text("ok\xff", more()), {failure_close(1007, "invalid_utf8")},
           websocket_state::closing, "invalid_utf8");
}

TEST(WebsocketSession, BinaryIsNotCheckedAsText) {
    check("binary 0xff", binary("\xff\xfe\xc0\x80"), {frame(kBinary, "\xff\xfe\xc0\x80")});
}

// --- close handshake ------------------------------------------------------------

TEST(WebsocketSession, CloseEchoesTheCodeAndReason) {
    for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                               3999, 4000, 4999}) {
        check("close " + std::to_string(code), close_frame(code), {frame(kClose, close_payload(code))},
               websocket_state::closed, "");
        const auto r = run({}, close_frame(code, "bye"), {});
        EXPECT_EQ(r.close_code, code);
        EXPECT_EQ(r.peer_close_code, code);
    }
    check("close with a reason", close_frame(1000, "\xce\xba bye"), {frame(kClose, close_payload(1000, "\xce\xba bye"))},
           websocket_state::closed, "");
    check("empty close", client_frame(kClose, ""), {frame(kClose, "")}, websocket_state::closed, "");
    check("close inside a fragmented message", text("a", more()) + close_frame(1000),
           {frame(kClose, close_payload(1000))}, websocket_state::closed, "");
}

TEST(WebsocketSession, BadClosesAre1002Or1007) {
    for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
        check("close code " + std::to_string(code), close_frame(code), {failure_close(1002, "close_code")},
               websocket_state::closed, "close_code");
    }
    check("1-byte close", client_frame(kClose, "\x03"), {failure_close(1002, "close_payload")},
           websocket_state::closed, "close_payload");
    check("close reason not UTF-8", close_frame(1000, "ok\xed\xa0\x80"), {failure_close(1007, "close_reason")},
           websocket_state::closed, "close_reason");
    check("close reason ends mid code point", close_frame(1000, "\xce"), {failure_close(1007, "close_reason")},
           websocket_state::closed, "close_reason");
}

TEST(WebsocketSession, NothingIsReadAfterThePeersClose) {
    const std::string input = close_frame(1000) + text("late") + client_frame(kPing, "late");
    const auto r = run({}, input, {});
    EXPECT_EQ(read_server_frames(r.output).frames, std::vector{frame(kClose, close_payload(1000))});
    EXPECT_EQ(r.counters.pings, 0u);
    check("data after close", input, {frame(kClose, close_payload(1000))}, websocket_state::closed, "");
}

TEST(WebsocketSession, AfterFailingItWaitsForThePeersCloseIgnoringTheRest) {
    check("1002 then data then close",
           cont("x") + text("ignored") + client_frame(kPing, "ignored") + text("no fin", more()) + close_frame(1002),
           {failure_close(1002, "continuation")}, websocket_state::closed, "continuation");
    const auto r = run({}, cont("x") + close_frame(1000), {});
    EXPECT_EQ(r.close_code, 1002);
    EXPECT_EQ(r.peer_close_code, 1000);
}

TEST(WebsocketSession, ServerCloseWaitsForThePeers) {
    websocket_session session{{}};
    session.close(1001);
    EXPECT_EQ(session.state(), websocket_state::closing);
    const auto out = session.output();
    const auto sent = read_server_frames({reinterpret_cast<const char*>(out.data()), out.size()});
    EXPECT_EQ(sent.frames, std::vector{frame(kClose, close_payload(1001))});
    session.on_sent(out.size());
    session.close(1000);
    EXPECT_TRUE(session.output().empty());
    const auto input = text("ignored") + close_frame(1001);
    EXPECT_EQ(session.feed(bytes_of(input)), input.size());
    EXPECT_TRUE(session.output().empty());
    EXPECT_EQ(session.state(), websocket_state::closed);
    EXPECT_EQ(session.close_code(), 1001);
    EXPECT_EQ(session.peer_close_code(), 1001);
}

TEST(WebsocketSession, AFrameShowsInTheOutputOnlyWhenWhole) {
    const auto input = binary(pattern(300));
    websocket_session session{{}};
    for (std::size_t at = 0; at + 1 < input.size(); ++at) {
        EXPECT_EQ(session.feed(bytes_of(std::string_view{input}.substr(at, 1))), 1u);
        EXPECT_TRUE(session.output().empty()) << at;
    }
    EXPECT_EQ(session.feed(bytes_of(std::string_view{input}.substr(input.size() - 1))), 1u);
    const auto out = session.output();
    EXPECT_EQ(read_server_frames({reinterpret_cast<const char*>(out.data()), out.size()}).frames,
              std::vector{frame(kBinary, pattern(300))});
}

TEST(WebsocketSession, ServerCloseInsideAFrameDropsTheRestOfIt) {
    websocket_settings frames;
    frames.echo_frames = true;
    for (const auto& [name, input, settings] :
         std::vector<std::tuple<std::string, std::string, websocket_settings>>{
             {"whole message", binary(pattern(300)), {}},
             {"frame for frame", binary(pattern(300), more()), frames},
             {"gathered fragments", binary("ab", more()) + cont(pattern(300)), {}}}) {
        SCOPED_TRACE(name);
        websocket_session session{settings};
        const auto half = input.size() - 150;
        EXPECT_EQ(session.feed(bytes_of(std::string_view{input}.substr(0, half))), half);
        session.close(1001);
        EXPECT_EQ(session.feed(bytes_of(std::string_view{input}.substr(half))), input.size() - half);
        const auto out = session.output();
        EXPECT_EQ(read_server_frames({reinterpret_cast<const char*>(out.data()), out.size()}).frames,
                  std::vector{frame(kClose, close_payload(1001))});
        EXPECT_EQ(session.counters().messages, 0u);
    }
}

// --- limits -----------------------------------------------------------------------

TEST(WebsocketSession, MessagesOverMaxMessageAre1009) {
    websocket_settings small;
    small.max_message = 1000;
    websocket_settings small_frames = small;
    small_frames.echo_frames = true;
    const std::string k(1000, 'k');
    check("exactly max_message", text(k), {frame(kText, k)}, websocket_state::open, "", small);
    check("one byte over", text(k + "!"), {failure_close(1009, "message_too_big")}, websocket_state::closing,
           "message_too_big", small);
    check("over in the second fragment", binary(k.substr(0, 600), more()) + cont(k.substr(0, 401)),
           {failure_close(1009, "message_too_big")}, websocket_state::closing, "message_too_big", small);
    check("frame for frame, each under", binary(k.substr(0, 600), more()) + cont(k.substr(0, 600)),
           {frame(kBinary, k.substr(0, 600), false), frame(kCont, k.substr(0, 600))}, websocket_state::open, "",
           small_frames);
    check("frame for frame, one over", binary(k + "!"), {failure_close(1009, "message_too_big")},
           websocket_state::closing, "message_too_big", small_frames);
    // A head that claims 2^40 bytes is refused from its length alone, before any
    // of its payload comes; nothing of it is held.
    const std::string huge{"\x82\xff\x00\x00\x01\x00\x00\x00\x00\x00\x01\x02\x03\x04", 14};
    check("2^40-byte frame", huge, {failure_close(1009, "message_too_big")}, websocket_state::closing,
           "message_too_big");
    check("1001-byte head alone", binary(k + "!").substr(0, 8), {failure_close(1009, "message_too_big")},
           websocket_state::closing, "message_too_big", small);
    check("over in the second fragment's head", binary(k.substr(0, 600), more()) + cont(k.substr(0, 401)).substr(0, 8),
           {failure_close(1009, "message_too_big")}, websocket_state::closing, "message_too_big", small);
    const auto r = run(small, huge.substr(0, 13), {});
    EXPECT_EQ(r.state, websocket_state::open) << "the head is not complete yet";
    EXPECT_TRUE(r.output.empty());
}

TEST(WebsocketSession, StopsTakingInputWhileOutputWaits) {
    websocket_settings tight;
    tight.output_high_water = 100;
    std::string input;
    for (int i = 0; i < 200; ++i) input += binary(pattern(50));
    websocket_session session{tight};
    const auto taken = session.feed(bytes_of(input));
    EXPECT_LT(taken, input.size());
    EXPECT_FALSE(session.wants_input());
    EXPECT_GE(session.output().size(), 100u);
    EXPECT_LE(session.held_bytes(), websocket_session::max_held_bytes(tight));
    EXPECT_EQ(session.feed(bytes_of(std::string_view{input}.substr(taken))), 0u);
    session.on_sent(session.output().size());
    EXPECT_TRUE(session.wants_input());
    // A caller that sends only when told to stop gets the same bytes as one that
    // sends at once.
    const auto lazy = run(tight, input, {}, true);
    const auto eager = run({}, input, {});
    expect_same(eager, lazy, "drained only when blocked");
    EXPECT_EQ(lazy.counters.messages, 200u);
}

TEST(WebsocketSession, HeldBytesStayUnderTheBoundAndShrinkAfterABigMessage) {
    websocket_settings settings;
    std::string big = binary(pattern(300000), more());
    for (int i = 0; i < 7; ++i) big += cont(pattern(100000), more());
    big += cont(pattern(48576));
    websocket_session session{settings};
    std::size_t at = 0, most = 0;
    while (at < big.size()) {
        at += session.feed(bytes_of(std::string_view{big}.substr(at, 65536)));
        most = std::max(most, session.held_bytes());
    }
    EXPECT_EQ(session.counters().messages, 1u);
    EXPECT_LE(most, websocket_session::max_held_bytes(settings));
    EXPECT_GE(most, std::size_t{1} << 20);
    session.on_sent(session.output().size());
    EXPECT_LT(session.held_bytes(), 32u * 1024);
}

TEST(WebsocketSession, CountsMessagesAndBytes) {
    const auto r = run({}, text("ab", more()) + cont("c") + binary("de") + client_frame(kPing, "") , {});
    EXPECT_EQ(r.counters.messages, 2u);
    EXPECT_EQ(r.counters.frames, 3u);
    EXPECT_EQ(r.counters.message_bytes, 5u);
    EXPECT_EQ(r.counters.pings, 1u);
}

TEST(WebsocketSession, EveryFailureNameIsListed) {
    const auto listed = websocket_session_failures();
    for (std::string_view name : {"framing", "unmasked", "reserved_bits", "reserved_opcode", "continuation",
                                  "unfinished_message", "invalid_utf8", "message_too_big", "close_payload",
                                  "close_code", "close_reason"}) {
        EXPECT_NE(std::find(listed.begin(), listed.end(), name), listed.end()) << name;
    }
    EXPECT_EQ(listed.size(), 11u);
}

}  // namespace
