// http_line_guard: where a section ends, and which byte breaks it, come out the
// same whatever split the bytes arrive in (whole, cut at every point, byte by byte).
#include "core/http_line_guard.hpp"
#include "support/every_split.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

using echo::core::http_line_guard;
using namespace std::string_view_literals;

namespace {

enum class section { head, trailers, chunk_line, after_data };

// "ended N" / "bad N" (N: bytes read before) or "more", over these pieces.
std::string scan_all(section s, const std::vector<std::string_view>& pieces) {
    http_line_guard g;
    if (s == section::chunk_line || s == section::after_data) {
        g.start_chunk_line(s == section::after_data);
    } else {
        g.start_fields(s == section::head);
    }
    std::size_t read = 0;
    for (auto piece : pieces) {
        const auto r = g.scan({reinterpret_cast<const std::byte*>(piece.data()), piece.size()});
        read += r.used;
        if (r.outcome == http_line_guard::verdict::ended) {
            return "ended " + std::to_string(read);
        }
        if (r.outcome == http_line_guard::verdict::bad) {
            return "bad " + std::to_string(read);
        }
        if (r.outcome == http_line_guard::verdict::unsupported_version) {
            return "version " + std::to_string(read);
        }
        EXPECT_EQ(r.used, piece.size());
    }
    return "more";
}

std::string scan_every_split(section s, std::string_view input) {
    return echo::testing::read_at_every_split(
        input, [s](const auto& pieces) { return scan_all(s, pieces); });
}

}  // namespace

TEST(HttpLineGuard, AHeadEndsAtItsEmptyLineAndNotBefore) {
    const std::string head = "GET / HTTP/1.1\r\nHost: h\r\nX: a b\r\n\r\n";
    EXPECT_EQ(scan_every_split(section::head, head + "BODY\n"), "ended " + std::to_string(head.size()));
    EXPECT_EQ(scan_every_split(section::head, "\r\n\r\n" + head), "ended " + std::to_string(head.size() + 4));
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\r\nHost: h\r\n"), "more");
}

TEST(HttpLineGuard, BareLineFeedsAndFoldsBreakAHead) {
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\nHost: h\r\n\r\n"), "bad 14");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\r\nHost: h\n\r\n"), "bad 23");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\r\nHost: h\r\n\n"), "bad 25");
    EXPECT_EQ(scan_every_split(section::head, "\nGET / HTTP/1.1\r\n\r\n"), "bad 0");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), "bad 22");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"), "bad 22");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), "bad 21");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\r\nX: \x7f\r\n\r\n"), "bad 19");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\r\nX: a\x00\r\n\r\n"sv), "bad 20");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.1\r\nX: a\tb \xff\r\n\r\n"), "ended 28");
}

// Debian's http_parser, not strict, reads "HTTPx1.1" as HTTP/1.1, and a request
// line without a version as HTTP/0.9.
TEST(HttpLineGuard, TheRequestLineEndsInItsVersion) {
    EXPECT_EQ(scan_every_split(section::head, "GET /a HTTP/1.0\r\n\r\n"), "ended 19");
    EXPECT_EQ(scan_every_split(section::head, "\r\nGET / HTTP/1.1\r\n\r\n"), "ended 20");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTPx1.1\r\n\r\n"), "bad 14");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTPT/1.1\r\n\r\n"), "bad 14");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.a\r\n\r\n"), "bad 14");
    EXPECT_EQ(scan_every_split(section::head, "GET /\r\n\r\n"), "bad 5");
    EXPECT_EQ(scan_every_split(section::head, "HTTP/1.1\r\n"), "bad 8");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.10\r\n\r\n"), "bad 15");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/1.9\r\nBad Header\r\n\r\n"), "version 14");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/2.0\r\n\r\n"), "version 14");
    EXPECT_EQ(scan_every_split(section::head, "GET / HTTP/0.9\r\n\r\n"), "version 14");
}

TEST(HttpLineGuard, TrailersEndAtTheFirstEmptyLine) {
    EXPECT_EQ(scan_every_split(section::trailers, "\r\nGET"), "ended 2");
    EXPECT_EQ(scan_every_split(section::trailers, "T: 1\r\nU: 2\r\n\r\n"), "ended 14");
    EXPECT_EQ(scan_every_split(section::trailers, "T: 1\r\n U\r\n\r\n"), "bad 6");
    EXPECT_EQ(scan_every_split(section::trailers, "T: 1\nU: 2\r\n\r\n"), "bad 4");
}

TEST(HttpLineGuard, AChunkLineIsHexThenExtensionsThenCrlf) {
    EXPECT_EQ(scan_every_split(section::chunk_line, "1aF\r\nxyz"), "ended 5");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;a=b;c=\"d e\"\r\n"), "ended 15");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5 \r\n"), "bad 1");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5 ;a\r\n"), "bad 1");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5 junk\r\n"), "bad 1");
    EXPECT_EQ(scan_every_split(section::chunk_line, " 5\r\n"), "bad 0");
    EXPECT_EQ(scan_every_split(section::chunk_line, "\r\n"), "bad 0");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5\n"), "bad 1");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5\rx"), "bad 2");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;a\n"), "bad 3");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;a=\x01\r\n"), "bad 4");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;a;b=c;d=\"e\\\"f\\\\\"\r\n"), "ended 20");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;a=\tb\r\n"), "bad 4");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;a b\r\n"), "bad 3");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;=b\r\n"), "bad 2");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;a=\r\n"), "bad 4");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;a=\"b\"c\r\n"), "bad 7");
    EXPECT_EQ(scan_every_split(section::chunk_line, "5;a:b\r\n"), "bad 3");
}

// Not strict, http_parser takes any two bytes after a chunk's data for its CRLF.
TEST(HttpLineGuard, AChunksDataEndsInCrlf) {
    EXPECT_EQ(scan_every_split(section::after_data, "\r\n0\r\n"), "ended 5");
    EXPECT_EQ(scan_every_split(section::after_data, "XY0\r\n"), "bad 0");
    EXPECT_EQ(scan_every_split(section::after_data, "\rX0\r\n"), "bad 1");
    EXPECT_EQ(scan_every_split(section::after_data, "\n0\r\n"), "bad 0");
}
