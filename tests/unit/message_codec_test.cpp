// message_codec: what echo-bench writes for http:// and ws:// targets, and how it
// checks what comes back, with faithful and faulty peers written here, their answers
// cut at every point.
#include "loadgen/message_codec.hpp"

#include "core/ws_frame_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using echo::core::echo_expectation;
using echo::core::message_pattern;
using echo::loadgen::bench_config;
using echo::loadgen::codec_fault;
using echo::loadgen::message_codec;

namespace {

using bytes = std::vector<std::byte>;

bench_config config_for(const char* application, bool verify_body = true, bool text = false) {
    bench_config c;
    c.target.application = application;
    c.target.host = "::1";
    c.target.port = 8080;
    c.http.request_target = application == std::string{"ws"} ? "/chat" : "/?format=body";
    c.http.verify_body = verify_body;
    c.ws_text = text;
    return c;
}

std::string text_of(std::span<const std::byte> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

bytes bytes_of(const std::string& s) {
    const auto b = std::as_bytes(std::span{s.data(), s.size()});
    return {b.begin(), b.end()};
}

void add(bytes& to, const bytes& more) { to.insert(to.end(), more.begin(), more.end()); }

// A connection's sending half: messages of `sizes` pushed and wrapped; returns the wire.
bytes send(message_codec& codec, echo_expectation& expect, const std::vector<std::uint32_t>& sizes) {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        expect.push(i, sizes[i], 0);
        codec.wrap(expect, sizes[i]);
    }
    const auto out = codec.pending();
    bytes wire{out.begin(), out.end()};
    codec.on_sent(out.size());
    return wire;
}

struct outcome {
    codec_fault fault = codec_fault::none;
    std::string problem;
    std::vector<std::uint64_t> done;
};

// The answer fed to a fresh codec and expectation (that sent `sizes`) in two pieces
// cut at `cut`.
outcome receive(const bench_config& config, const std::vector<std::uint32_t>& sizes,
                const bytes& answer, std::size_t cut, const message_pattern& pattern) {
    message_codec codec{config};
    echo_expectation expect{pattern, 3, config.ws_text ? std::byte{0x7f} : std::byte{0xff}};
    (void)send(codec, expect, sizes);
    outcome o;
    const std::span<const std::byte> all{answer};
    for (const auto piece : {all.first(cut), all.subspan(cut)}) {
        const auto v = codec.unwrap(piece, expect, [&](const auto& c) { o.done.push_back(c.seq); });
        if (v.fault != codec_fault::none) {
            o.fault = v.fault;
            o.problem = v.problem;
            return o;
        }
    }
    return o;
}

// Every cut of the answer gives the same outcome, returned.
outcome at_every_split(const bench_config& config, const std::vector<std::uint32_t>& sizes,
                       const bytes& answer, const message_pattern& pattern) {
    const auto whole = receive(config, sizes, answer, answer.size(), pattern);
    for (std::size_t cut = 0; cut <= answer.size(); ++cut) {
        const auto o = receive(config, sizes, answer, cut, pattern);
        EXPECT_EQ(o.fault, whole.fault) << "cut at " << cut << ": " << o.problem;
        // A fault can be seen a message later when the input is cut (bytes that
        // complete a message, then the fault): the verdict is the same.
        if (whole.fault == codec_fault::none) {
            EXPECT_EQ(o.done, whole.done) << "cut at " << cut;
        }
    }
    return whole;
}

// The requests a sent wire holds, as (head, body) pairs.
std::vector<std::pair<std::string, bytes>> requests_in(const bytes& wire) {
    std::vector<std::pair<std::string, bytes>> out;
    const std::string text = text_of(wire);
    std::size_t at = 0;
    while (at < text.size()) {
        const auto end = text.find("\r\n\r\n", at) + 4;
        const std::string head = text.substr(at, end - at);
        const auto cl = head.find("Content-Length: ") + 16;
        const auto n = std::stoul(head.substr(cl, head.find("\r\n", cl) - cl));
        out.emplace_back(head, bytes{wire.begin() + static_cast<std::ptrdiff_t>(end),
                                     wire.begin() + static_cast<std::ptrdiff_t>(end + n)});
        at = end + n;
    }
    return out;
}

bytes http_answer(const std::string& status, const bytes& body, const std::string& extra = "") {
    auto a = bytes_of("HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n" + extra + "\r\n");
    add(a, body);
    return a;
}

// The messages a client's wire carries: each frame unmasked (the test's own reading
// of RFC 6455 5.3, so the codec's masking is checked, not trusted).
std::vector<std::pair<int, bytes>> client_frames(const bytes& wire) {
    std::vector<std::pair<int, bytes>> out;
    std::size_t at = 0;
    while (at < wire.size()) {
        const auto op = std::to_integer<int>(wire[at]) & 0x0f;
        EXPECT_EQ(std::to_integer<int>(wire[at]) & 0xf0, 0x80) << "FIN, no RSV";
        EXPECT_NE(std::to_integer<int>(wire[at + 1]) & 0x80, 0) << "masked";
        std::uint64_t n = std::to_integer<unsigned>(wire[at + 1]) & 0x7f;
        at += 2;
        if (n >= 126) {
            const std::size_t k = n == 126 ? 2 : 8;
            n = 0;
            for (std::size_t i = 0; i < k; ++i) {
                n = n << 8 | std::to_integer<unsigned>(wire[at++]);
            }
        }
        const std::array<std::byte, 4> key{wire[at], wire[at + 1], wire[at + 2], wire[at + 3]};
        at += 4;
        bytes payload;
        for (std::uint64_t i = 0; i < n; ++i) {
            payload.push_back(wire[at + i] ^ key[i % 4]);
        }
        at += n;
        out.emplace_back(op, payload);
    }
    return out;
}

bytes server_frame(int first, const bytes& payload) {
    bytes f{std::byte(first)};
    if (payload.size() < 126) {
        f.push_back(std::byte(payload.size()));
    } else {
        f.push_back(std::byte{126});
        f.push_back(std::byte(payload.size() >> 8));
        f.push_back(std::byte(payload.size()));
    }
    add(f, payload);
    return f;
}

// A WebSocket codec through its upgrade, with the 101 a server owes its key.
void upgrade(message_codec& codec) {
    codec.start();
    const std::string request = text_of(codec.pending());
    codec.on_sent(codec.pending().size());
    const auto at = request.find("Sec-WebSocket-Key: ") + 19;
    const auto key = request.substr(at, request.find("\r\n", at) - at);
    const auto answer = bytes_of(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " + echo::loadgen::websocket_accept(key) + "\r\n\r\n");
    std::string problem;
    ASSERT_EQ(codec.handshake(answer, problem), message_codec::handshake_step::done) << problem;
}

const std::vector<std::uint32_t> kSizes{1, 16, 200, 5};

}  // namespace

TEST(MessageCodec, WebSocketAcceptOfRfc6455) {
    EXPECT_EQ(echo::loadgen::websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="),
              "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(MessageCodec, HttpRequestsCarryTheMessages) {
    const message_pattern pattern{1024, 9};
    const auto config = config_for("http");
    message_codec codec{config};
    codec.start();
    echo_expectation expect{pattern, 3};
    const auto requests = requests_in(send(codec, expect, kSizes));
    ASSERT_EQ(requests.size(), kSizes.size());
    EXPECT_EQ(requests[2].first,
              "POST /?format=body HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 200\r\n\r\n");
    echo_expectation check{pattern, 3};
    for (std::size_t i = 0; i < kSizes.size(); ++i) {
        check.push(i, kSizes[i], 0);
        check.on_sent(kSizes[i]);
        ASSERT_EQ(requests[i].second.size(), kSizes[i]);
    }
    for (const auto& [head, body] : requests) {
        ASSERT_TRUE(check.on_received(body, [](const auto&) {}).ok) << head;
    }
}

TEST(MessageCodec, HttpEchoVerifiedAtEverySplit) {
    const message_pattern pattern{1024, 9};
    const auto config = config_for("http");
    message_codec codec{config};
    echo_expectation expect{pattern, 3};
    const auto requests = requests_in(send(codec, expect, kSizes));
    bytes answer;
    for (const auto& r : requests) {
        add(answer, http_answer("200 OK", r.second));
    }
    auto o = at_every_split(config, kSizes, answer, pattern);
    EXPECT_EQ(o.fault, codec_fault::none) << o.problem;
    EXPECT_EQ(o.done, (std::vector<std::uint64_t>{0, 1, 2, 3}));

    bytes flipped = answer;
    flipped[flipped.size() - 2] ^= std::byte{1};  // in the last body
    o = at_every_split(config, kSizes, flipped, pattern);
    EXPECT_EQ(o.fault, codec_fault::mismatch);
    EXPECT_EQ(o.done, (std::vector<std::uint64_t>{0, 1, 2}));

    bytes short_body = http_answer("200 OK", bytes(requests[0].second));
    add(short_body, http_answer("200 OK", bytes(requests[1].second.begin(),
                                                requests[1].second.end() - 1)));
    o = at_every_split(config, kSizes, short_body, pattern);
    EXPECT_EQ(o.fault, codec_fault::mismatch);
    EXPECT_NE(o.problem.find("a body of 15 bytes echoing a 16-byte POST"), std::string::npos);

    o = at_every_split(config, kSizes, http_answer("503 Busy", requests[0].second), pattern);
    EXPECT_EQ(o.fault, codec_fault::status);
    EXPECT_TRUE(o.done.empty());

    o = at_every_split(config, kSizes, bytes_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
                       pattern);
    EXPECT_EQ(o.fault, codec_fault::protocol);

    o = at_every_split(config, kSizes, http_answer("200 OK", requests[0].second, "Connection: close\r\n"),
                       pattern);
    EXPECT_EQ(o.fault, codec_fault::early_close);
    EXPECT_EQ(o.done, (std::vector<std::uint64_t>{0}));

    bytes extra = answer;
    add(extra, http_answer("200 OK", bytes(1)));
    o = receive(config, kSizes, extra, extra.size(), pattern);
    EXPECT_EQ(o.fault, codec_fault::protocol);
    EXPECT_NE(o.problem.find("no request owed"), std::string::npos);
}

// --http-verify status: any 2xx body answers the request; a non-2xx is still an error.
TEST(MessageCodec, HttpStatusOnly) {
    const message_pattern pattern{1024, 9};
    const auto config = config_for("http", false);
    bytes answer;
    for (int i = 0; i < 4; ++i) {
        add(answer, http_answer("200 OK", bytes_of(i % 2 ? "" : "hello, world")));
    }
    auto o = at_every_split(config, kSizes, answer, pattern);
    EXPECT_EQ(o.fault, codec_fault::none) << o.problem;
    EXPECT_EQ(o.done, (std::vector<std::uint64_t>{0, 1, 2, 3}));
    o = at_every_split(config, kSizes, http_answer("404 Not Found", bytes_of("no")), pattern);
    EXPECT_EQ(o.fault, codec_fault::status);
}

TEST(MessageCodec, WebSocketUpgradeRequestAndAnswers) {
    const auto config = config_for("ws");
    message_codec codec{config};
    codec.start();
    const std::string request = text_of(codec.pending());
    EXPECT_TRUE(request.starts_with("GET /chat HTTP/1.1\r\nHost: [::1]:8080\r\n")) << request;
    EXPECT_NE(request.find("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"), std::string::npos);
    EXPECT_NE(request.find("\r\nSec-WebSocket-Version: 13\r\n\r\n"), std::string::npos);
    const auto at = request.find("Sec-WebSocket-Key: ") + 19;
    const auto key = request.substr(at, request.find("\r\n", at) - at);
    EXPECT_EQ(key.size(), 24U);  // 16 bytes in base64
    message_codec other{config};
    other.start();
    EXPECT_NE(text_of(other.pending()), request) << "every connection draws a fresh key";

    const std::string good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                             echo::loadgen::websocket_accept(key) + "\r\n\r\n";
    for (std::size_t cut = 0; cut <= good.size(); ++cut) {
        message_codec c{config};
        c.start();
        // Same key for the check: the test feeds this codec the answer to `codec`'s key.
        std::string problem;
        auto step = c.handshake(bytes_of(good.substr(0, cut)), problem);
        if (step == message_codec::handshake_step::more) {
            step = c.handshake(bytes_of(good.substr(cut)), problem);
        }
        EXPECT_EQ(step, message_codec::handshake_step::failed) << "another key: " << cut;
        EXPECT_NE(problem.find("does not answer the key"), std::string::npos) << problem;
    }
    for (const std::string& bad :
         {std::string{"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"},
          std::string{"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n"}}) {
        message_codec c{config};
        c.start();
        std::string problem;
        EXPECT_EQ(c.handshake(bytes_of(bad), problem), message_codec::handshake_step::failed) << bad;
        EXPECT_FALSE(problem.empty());
    }
    std::string problem;
    EXPECT_EQ(codec.handshake(bytes_of(good), problem), message_codec::handshake_step::done)
        << problem;
}

TEST(MessageCodec, WebSocketMessagesMaskedAndVerifiedAtEverySplit) {
    const message_pattern pattern{1024, 9};
    for (const bool text : {false, true}) {
        const auto config = config_for("ws", true, text);
        message_codec codec{config};
        upgrade(codec);
        echo_expectation expect{pattern, 3, text ? std::byte{0x7f} : std::byte{0xff}};
        const auto frames = client_frames(send(codec, expect, kSizes));
        ASSERT_EQ(frames.size(), kSizes.size());
        bytes answer;
        for (const auto& [op, payload] : frames) {
            EXPECT_EQ(op, text ? 1 : 2);
            for (auto b : payload) {
                ASSERT_TRUE(!text || std::to_integer<int>(b) < 0x80) << "text stays ASCII";
            }
            add(answer, server_frame(0x80 | op, payload));
        }
        message_codec fresh{config};
        auto o = at_every_split(config, kSizes, answer, pattern);
        EXPECT_EQ(o.fault, codec_fault::none) << o.problem;
        EXPECT_EQ(o.done, (std::vector<std::uint64_t>{0, 1, 2, 3}));

        // The third message fragmented in three, with a ping between: still right.
        const auto& p = frames[2].second;
        bytes fragmented;
        add(fragmented, server_frame(0x80 | frames[0].first, frames[0].second));
        add(fragmented, server_frame(0x80 | frames[1].first, frames[1].second));
        add(fragmented, server_frame(frames[2].first, bytes(p.begin(), p.begin() + 7)));
        add(fragmented, server_frame(0x89, bytes_of("ping")));
        add(fragmented, server_frame(0x00, bytes(p.begin() + 7, p.begin() + 100)));
        add(fragmented, server_frame(0x80, bytes(p.begin() + 100, p.end())));
        o = at_every_split(config, kSizes, fragmented, pattern);
        EXPECT_EQ(o.fault, codec_fault::none) << o.problem;
        EXPECT_EQ(o.done, (std::vector<std::uint64_t>{0, 1, 2}));

        bytes flipped = answer;
        flipped[flipped.size() - 1] ^= std::byte{0x01};
        o = at_every_split(config, kSizes, flipped, pattern);
        EXPECT_EQ(o.fault, codec_fault::mismatch);
        EXPECT_EQ(o.done, (std::vector<std::uint64_t>{0, 1, 2}));
    }
}

TEST(MessageCodec, WebSocketBoundariesAndOrderAreChecked) {
    const message_pattern pattern{1024, 9};
    const auto config = config_for("ws");
    message_codec codec{config};
    upgrade(codec);
    echo_expectation expect{pattern, 3};
    const auto frames = client_frames(send(codec, expect, kSizes));
    const auto& first = frames[0].second;
    const auto& second = frames[1].second;

    bytes joined = first;  // two messages' bytes in one message
    add(joined, second);
    auto o = at_every_split(config, kSizes, server_frame(0x82, joined), pattern);
    EXPECT_EQ(o.fault, codec_fault::mismatch);
    EXPECT_NE(o.problem.find("longer than"), std::string::npos) << o.problem;

    bytes split;  // one message's bytes in two messages
    add(split, server_frame(0x82, first));
    add(split, server_frame(0x82, bytes(second.begin(), second.begin() + 4)));
    add(split, server_frame(0x82, bytes(second.begin() + 4, second.end())));
    o = at_every_split(config, kSizes, split, pattern);
    EXPECT_EQ(o.fault, codec_fault::mismatch);
    EXPECT_NE(o.problem.find("ended 12 bytes before"), std::string::npos) << o.problem;

    o = at_every_split(config, kSizes, server_frame(0x82, second), pattern);  // first dropped
    EXPECT_EQ(o.fault, codec_fault::mismatch);

    o = at_every_split(config, kSizes, server_frame(0x81, first), pattern);  // as text
    EXPECT_EQ(o.fault, codec_fault::mismatch);

    bytes closed = server_frame(0x82, first);
    add(closed, server_frame(0x88, bytes{std::byte{0x03}, std::byte{0xf3}}));
    o = at_every_split(config, kSizes, closed, pattern);
    EXPECT_EQ(o.fault, codec_fault::early_close);
    EXPECT_NE(o.problem.find("code 1011"), std::string::npos) << o.problem;
    EXPECT_EQ(o.done, (std::vector<std::uint64_t>{0}));

    o = at_every_split(config, kSizes, bytes{std::byte{0x82}, std::byte{0x81}}, pattern);
    EXPECT_EQ(o.fault, codec_fault::protocol);

    // RFC 6455 lets a server fragment a message anywhere, empty fragments included: an
    // empty first or last fragment is no boundary, while a message of empty fragments
    // only is still an empty message, which nobody sent.
    bytes padded;
    add(padded, server_frame(0x02, {}));
    add(padded, server_frame(0x80, first));
    add(padded, server_frame(0x02, second));
    add(padded, server_frame(0x80, {}));
    o = at_every_split(config, kSizes, padded, pattern);
    EXPECT_EQ(o.fault, codec_fault::none) << o.problem;
    EXPECT_EQ(o.done, (std::vector<std::uint64_t>{0, 1}));

    bytes hollow = server_frame(0x82, first);
    add(hollow, server_frame(0x02, {}));
    add(hollow, server_frame(0x80, {}));
    o = at_every_split(config, kSizes, hollow, pattern);
    EXPECT_EQ(o.fault, codec_fault::mismatch);
    EXPECT_NE(o.problem.find("empty WebSocket message"), std::string::npos) << o.problem;
}

// A ping is answered with a masked pong of its payload; after our close, the
// server's close ends the session without a fault.
TEST(MessageCodec, WebSocketPingAndCloseHandshake) {
    const message_pattern pattern{1024, 9};
    const auto config = config_for("ws");
    message_codec codec{config};
    upgrade(codec);
    echo_expectation expect{pattern, 3};
    const auto none = [](const auto&) {};
    auto v = codec.unwrap(server_frame(0x89, bytes_of("are you there")), expect, none);
    ASSERT_EQ(v.fault, codec_fault::none) << v.problem;
    auto frames = client_frames({codec.pending().begin(), codec.pending().end()});
    ASSERT_EQ(frames.size(), 1U);
    EXPECT_EQ(frames[0].first, 0xa);
    EXPECT_EQ(text_of(frames[0].second), "are you there");
    codec.on_sent(codec.pending().size());

    codec.close(1000);
    frames = client_frames({codec.pending().begin(), codec.pending().end()});
    ASSERT_EQ(frames.size(), 1U);
    EXPECT_EQ(frames[0].first, 0x8);
    EXPECT_EQ(frames[0].second, (bytes{std::byte{0x03}, std::byte{0xe8}}));
    EXPECT_FALSE(codec.peer_closed());
    v = codec.unwrap(server_frame(0x88, frames[0].second), expect, none);
    EXPECT_EQ(v.fault, codec_fault::none) << v.problem;
    EXPECT_TRUE(codec.peer_closed());
}
