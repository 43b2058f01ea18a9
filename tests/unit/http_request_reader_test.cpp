// http_request_reader: the same requests (or the same refusal) come out whatever
// split the bytes arrive in: whole, cut at every point, and byte by byte.
#include "core/http_request_reader.hpp"
#include "support/every_split.hpp"

#include <gtest/gtest.h>

#include <openssl/sha.h>

#include <string>
#include <string_view>
#include <vector>

using echo::core::http_limits;
using echo::core::http_request;
using echo::core::http_request_reader;

namespace {

std::string hex(const std::uint8_t* p, std::size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

std::string summary(const http_request& q) {
    std::string s = std::string{q.method} + " " + q.target + " path=" + std::string{q.path} +
                    " query=" + std::string{q.query} + " HTTP/" + std::to_string(q.version_major) +
                    "." + std::to_string(q.version_minor);
    for (const auto& h : q.headers) {
        s += " [" + h.name + ": " + h.value + "]";
    }
    s += q.body_kept ? " body=" + q.body : " sha=" + hex(q.body_sha256.data(), 32);
    s += " size=" + std::to_string(q.body_size);
    s += q.keep_alive ? " keep" : " close";
    s += q.chunked ? " chunked" : "";
    s += q.expect_continue ? " expect" : "";
    s += q.upgrade ? " upgrade" : "";
    return s;
}

std::span<const std::byte> bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// Every request the pieces carry, then "refused NNN name" if the reader failed.
std::vector<std::string> read_all(const std::vector<std::string_view>& pieces,
                                  const http_limits& limits = {}, int* continues = nullptr) {
    http_request_reader r(limits);
    std::vector<std::string> out;
    for (auto piece : pieces) {
        auto rest = bytes_of(piece);
        while (true) {
            rest = rest.subspan(r.feed(rest, 0));
            if (continues != nullptr && r.take_continue()) {
                ++*continues;
            }
            if (r.current() == http_request_reader::state::ready) {
                out.push_back(summary(r.request()));
                r.next();
                continue;
            }
            if (r.current() == http_request_reader::state::failed) {
                out.push_back(std::string{"refused "} + std::to_string(status_of(r.refusal())) +
                              " " + name_of(r.refusal()));
                return out;
            }
            if (rest.empty()) {
                break;
            }
            ADD_FAILURE() << "bytes left over while reading";
            return out;
        }
    }
    r.feed_eof(0);
    if (r.current() == http_request_reader::state::failed) {
        out.push_back(std::string{"refused "} + std::to_string(status_of(r.refusal())) + " " +
                      name_of(r.refusal()));
    }
    return out;
}

// Whole, at every cut into two, and byte by byte: the same outcome each time.
std::vector<std::string> read_every_split(std::string_view input, const http_limits& limits = {}) {
    return echo::testing::read_at_every_split(input, [&limits](const auto& pieces) {
        return read_all(pieces, limits);
    });
}

}  // namespace

TEST(HttpRequestReader, PipelinedRequestsAtEverySplit) {
    const std::string input =
        "GET /a?x=1&y HTTP/1.1\r\nHost: h\r\nX-MiXed-Case: V a l\r\n\r\n"
        "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        "GET /c HTTP/1.0\r\n\r\n";
    const auto got = read_every_split(input);
    ASSERT_EQ(got.size(), 3U);
    EXPECT_EQ(got[0], "GET /a?x=1&y path=/a query=x=1&y HTTP/1.1 [Host: h] [X-MiXed-Case: V a l] "
                      "body= size=0 keep");
    EXPECT_EQ(got[1], "POST /b path=/b query= HTTP/1.1 [Host: h] [Content-Length: 5] body=hello "
                      "size=5 keep");
    EXPECT_EQ(got[2], "GET /c path=/c query= HTTP/1.0 body= size=0 close");
}

TEST(HttpRequestReader, ChunkedBodyWithExtensionsAndTrailers) {
    const std::string input =
        "PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: t\r\n\r\n"
        "GET /next HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    const auto got = read_every_split(input);
    ASSERT_EQ(got.size(), 2U);
    EXPECT_NE(got[0].find("body=Wikipedia size=9 keep chunked"), std::string::npos) << got[0];
    EXPECT_NE(got[1].find("close"), std::string::npos) << got[1];
}

// RFC 9112 6.1: an HTTP/1.0 request with Transfer-Encoding is faulty framing,
// so it is answered and the connection closed, whatever Connection asked for.
TEST(HttpRequestReader, TransferEncodingInHttp10ClosesAfterTheAnswer) {
    const auto got = read_every_split(
        "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\n\r\n");
    ASSERT_EQ(got.size(), 1U);
    EXPECT_NE(got[0].find("body=abc size=3 close chunked"), std::string::npos) << got[0];
    // Without Transfer-Encoding the same keep-alive is kept.
    const auto plain = read_every_split(
        "POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc");
    ASSERT_EQ(plain.size(), 1U);
    EXPECT_NE(plain[0].find("body=abc size=3 keep"), std::string::npos) << plain[0];
}

TEST(HttpRequestReader, ExpectContinueIsOfferedOnceBeforeTheBody) {
    const std::string head =
        "POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
    const auto got = read_every_split(head + "abc");
    ASSERT_EQ(got.size(), 1U);
    EXPECT_NE(got[0].find("body=abc size=3 keep expect"), std::string::npos) << got[0];
    int continues = 0;
    (void)read_all({head, "abc"}, {}, &continues);
    EXPECT_EQ(continues, 1);
    continues = 0;
    (void)read_all({head + "abc"}, {}, &continues);  // the body came with the head
    EXPECT_EQ(continues, 0);
}

TEST(HttpRequestReader, UpgradeRequestThenHttpAgain) {
    const std::string input =
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        "GET /after HTTP/1.1\r\nHost: h\r\n\r\n";
    const auto got = read_every_split(input);
    ASSERT_EQ(got.size(), 2U);
    EXPECT_NE(got[0].find(" upgrade"), std::string::npos) << got[0];
    EXPECT_NE(got[1].find("GET /after"), std::string::npos) << got[1];
}

TEST(HttpRequestReader, BodyOverBodyLimitIsHashed) {
    http_limits limits;
    limits.body_limit = 4;
    const std::string body = "0123456789";
    const auto got = read_every_split(
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n" + body, limits);
    std::uint8_t digest[32];
    SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_NE(got[0].find("sha=" + hex(digest, 32) + " size=10"), std::string::npos) << got[0];
}

TEST(HttpRequestReader, RefusalsAtEverySplit) {
    http_limits limits;
    limits.max_head = 64;
    limits.max_headers = 3;
    limits.max_body = 8;
    const auto one = [&limits](const std::string& input) {
        const auto got = read_every_split(input, limits);
        return got.empty() ? std::string{} : got.back();
    };
    EXPECT_EQ(one("GET / HTTP/1.1\r\nHost: h\r\nBad Header\r\n\r\n"), "refused 400 malformed");
    EXPECT_EQ(one("GET /" + std::string(80, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n"),
              "refused 431 head_too_large");
    EXPECT_EQ(one("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
              "refused 431 too_many_headers");
    EXPECT_EQ(one("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n"),
              "refused 413 body_too_large");
    EXPECT_EQ(one("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\n12345\r\n5\r\n12345\r\n"),
              "refused 413 body_too_large");
    EXPECT_EQ(one("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n"),
              "refused 400 malformed");
    EXPECT_EQ(one("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab"),
              "refused 400 malformed");
    // A good request before the bad one is still read.
    const auto got = read_every_split("GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGARBAGE\r\n\r\n", limits);
    ASSERT_EQ(got.size(), 2U);
    EXPECT_EQ(got[1], "refused 400 malformed");
}

// http_parser honours "Transfer-Encoding :" (and "Content-Length :") as framing,
// where a proxy in front may take it for an unknown field: two readings of one
// body is request smuggling, so a name with whitespace is refused (RFC 9112 5.1).
TEST(HttpRequestReader, WhitespaceInAHeaderNameIsRefused) {
    EXPECT_EQ(read_every_split("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n"
                               "5\r\nabcde\r\n0\r\n\r\n"),
              std::vector<std::string>{"refused 400 malformed"});
    EXPECT_EQ(read_every_split("POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 3\r\n\r\nabc"),
              std::vector<std::string>{"refused 400 malformed"});
    EXPECT_EQ(read_every_split("GET / HTTP/1.1\r\nHost: h\r\nX Y: z\r\n\r\n"),
              std::vector<std::string>{"refused 400 malformed"});
}

// Trailers count into the head's limits: past one the request is refused, not
// echoed with the fields that did not fit silently left out.
TEST(HttpRequestReader, TrailersPastTheHeadLimitsAreRefused) {
    http_limits limits;
    limits.max_head = 64;
    limits.max_headers = 4;
    const std::string head =
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n";
    EXPECT_EQ(read_every_split(head + "T: 1\r\nU: 2\r\n\r\n", limits).size(), 1U);
    EXPECT_EQ(read_every_split(head + "T: 1\r\nU: 2\r\nV: 3\r\n\r\n", limits),
              std::vector<std::string>{"refused 431 too_many_headers"});
    EXPECT_EQ(read_every_split(head + "T: " + std::string(40, 'x') + "\r\n\r\n", limits),
              std::vector<std::string>{"refused 431 head_too_large"});
}

// What http_parser lets through and a proxy in front may read otherwise (a bare LF,
// obs-fold, a chunk size with more after it, whitespace ending a trailer section's
// lines): refused at every split, and the request after it is never read.
TEST(HttpRequestReader, LinesOutsideRfc9112AreRefused) {
    const std::string next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    const std::string chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::vector<std::string> refused = {
        "GET / HTTP/1.1\nHost: h\n\n",
        "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
        "5\r\nhello\r\n0\r\n\r\n",
        chunked + "5 \r\nhello\r\n0\r\n\r\n",
        chunked + "5 junk\r\nhello\r\n0\r\n\r\n",
        chunked + "5\r\nhello\r\n0 \r\n\r\n",
        chunked + "5\r\nhello\r\n0\r\nT: 1\nU: 2\r\n\r\n",
        chunked + "5\r\nhello\r\n0\r\nT: 1\r\n 2\r\n\r\n",
        chunked + "5;a=\x01\r\nhello\r\n0\r\n\r\n",
        // What Debian's http_parser, built without HTTP_PARSER_STRICT, reads past.
        "GET / HTTPx1.1\r\nHost: h\r\n\r\n",
        "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: \x7fx\r\n\r\n",
        chunked + "5\r\nhelloXY0\r\n\r\n",
        chunked + "5\r\nhello\r\n0\r\nContent-Length: 2\r\n\r\n",
        chunked + "5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (const auto& input : refused) {
        EXPECT_EQ(read_every_split(input + next), std::vector<std::string>{"refused 400 malformed"})
            << input;
    }
}

TEST(HttpRequestReader, ChunkExtensionsAndTrailersAtEverySplit) {
    const auto got = read_every_split(
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3;a=b;c=\"d e\"\r\nabc\r\n2\r\nde\r\n0;last\r\nT: 1 \t\r\nU:\r\n\r\n"
        "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(got.size(), 2U);
    EXPECT_EQ(got[0], "POST / path=/ query= HTTP/1.1 [Host: h] [Transfer-Encoding: chunked] "
                      "[T: 1] [U: ] body=abcde size=5 keep chunked");
    EXPECT_NE(got[1].find("GET /next"), std::string::npos) << got[1];
}

// RFC 9112 5.1: the whitespace around a field value is not part of it.
TEST(HttpRequestReader, TrailingWhitespaceIsNotPartOfAValue) {
    const auto got =
        read_every_split("GET / HTTP/1.1\r\nHost: h\r\nX: a b \t \r\nY:  \r\nZ: z\r\n\r\n");
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0],
              "GET / path=/ query= HTTP/1.1 [Host: h] [X: a b] [Y: ] [Z: z] body= size=0 keep");
}

TEST(HttpRequestReader, VersionsOtherThanOneZeroAndOneOneAre505) {
    for (const std::string version : {"HTTP/1.9", "HTTP/2.0", "HTTP/0.9", "HTTP/3.1"}) {
        EXPECT_EQ(read_every_split("GET / " + version +
                                   "\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
                  std::vector<std::string>{"refused 505 version_not_supported"})
            << version;
    }
    // Known as soon as the request line ends, before a bad field would say 400.
    EXPECT_EQ(read_every_split("GET / HTTP/0.1\r\nBad Header\r\n\r\n"),
              std::vector<std::string>{"refused 505 version_not_supported"});
    // A request line without a version is HTTP/0.9 to http_parser: not even a version.
    EXPECT_EQ(read_every_split("GET /\r\nHost: h\r\n\r\n"),
              std::vector<std::string>{"refused 400 malformed"});
}

// http_parser ends a CONNECT at its head and leaves the rest to a tunnel; read on,
// a body would be taken for the next request. The echo is no proxy: 405.
TEST(HttpRequestReader, ConnectIsRefusedWithOrWithoutABody) {
    const std::string head = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n";
    EXPECT_EQ(read_every_split(head + "\r\n"),
              std::vector<std::string>{"refused 405 method_not_allowed"});
    EXPECT_EQ(read_every_split(head +
                               "Content-Length: 22\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n"),
              std::vector<std::string>{"refused 405 method_not_allowed"});
}

// RFC 9112 3.2: an HTTP/1.1 request without Host, any request with two Host lines
// or with a Host value that is not uri-host [":" port] is refused as bad_host, and
// the request after it is never read. HTTP/1.0 may leave Host out.
TEST(HttpRequestReader, HostRulesOfRfc9112AtEverySplit) {
    const std::string next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    const std::vector<std::string> refused = {
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nX-Host: h\r\n\r\n",
        "GET http://a/ HTTP/1.1\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nhost: a\r\nX: y\r\nHOST: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost:\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: h\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: a b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\tb\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: user@h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h?x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h#x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h:80x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h:65536\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: ::1]\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    };
    for (const auto& input : refused) {
        EXPECT_EQ(read_every_split(input + next), std::vector<std::string>{"refused 400 bad_host"})
            << input;
    }
    // A control is refused too, by the line guard before the Host rules see it.
    EXPECT_EQ(read_every_split("GET / HTTP/1.1\r\nHost: a\x01" "b\r\n\r\n" + next),
              std::vector<std::string>{"refused 400 malformed"});
}

TEST(HttpRequestReader, HostValuesThatAreAcceptedAtEverySplit) {
    const auto one = [](const std::string& input) {
        const auto got = read_every_split(input);
        return got.size() == 1 ? got[0] : "not one request: " + std::to_string(got.size());
    };
    EXPECT_EQ(one("GET / HTTP/1.0\r\n\r\n"), "GET / path=/ query= HTTP/1.0 body= size=0 close");
    EXPECT_EQ(one("GET / HTTP/1.1\r\nhOsT:  a.example:8080 \r\n\r\n"),
              "GET / path=/ query= HTTP/1.1 [hOsT: a.example:8080] body= size=0 keep");
    EXPECT_EQ(one("GET / HTTP/1.1\r\nHost:\r\n\r\n"),
              "GET / path=/ query= HTTP/1.1 [Host: ] body= size=0 keep");
    EXPECT_EQ(one("GET / HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n"),
              "GET / path=/ query= HTTP/1.1 [Host: [2001:db8::1]:443] body= size=0 keep");
    // Absolute form: the Host must be there and valid, but need not match the
    // target's authority, as the server goes by the target (RFC 9112 3.2.2).
    EXPECT_EQ(one("GET http://a.example/p HTTP/1.1\r\nHost: b.example\r\n\r\n"),
              "GET http://a.example/p path=http://a.example/p query= HTTP/1.1 [Host: b.example] "
              "body= size=0 keep");
    // A Host among the trailers is no second Host header line: echoed, not refused.
    EXPECT_EQ(one("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "1\r\na\r\n0\r\nHost: t\r\n\r\n"),
              "POST / path=/ query= HTTP/1.1 [Host: h] [Transfer-Encoding: chunked] [Host: t] "
              "body=a size=1 keep chunked");
}
