// The client's HTTP/1.1 response reader: the same heads and bodies whatever the
// split of its input, interim and bodiless responses, a 101 that hands the connection
// over, and the faults it refuses with a reason.
#include "core/http_response_reader.hpp"

#include "split_points.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using echo::core::http_event;
using echo::core::http_response_reader;

namespace {

std::span<const std::byte> as_bytes(const std::string& s) {
    return std::as_bytes(std::span{s.data(), s.size()});
}

// "H<status>[c]" per head (c: Connection: close), "B<body>" per whole body,
// "ERR:<problem>" at the end; after a 101, "used N": the bytes taken in all.
std::vector<std::string> events_of(const std::vector<std::span<const std::byte>>& pieces) {
    http_response_reader r;
    std::vector<std::string> out;
    std::string body;
    std::size_t used = 0;
    for (auto in : pieces) {
        while (!in.empty()) {
            const auto e = r.next(in);
            if (e.what == http_event::kind::error) {
                out.push_back(std::string{"ERR:"}.append(r.problem()));
                return out;
            }
            in = in.subspan(e.used);
            used += e.used;
            if (e.what == http_event::kind::head) {
                std::string h = "H";
                h.append(std::to_string(r.head().status)).append(r.head().close ? "c" : "");
                out.push_back(h);
                if (r.head().status == 101) {
                    out.push_back(std::string{"used "}.append(std::to_string(used)));
                    return out;
                }
            } else if (e.what == http_event::kind::body) {
                for (auto b : e.payload) {
                    body += static_cast<char>(b);
                }
            }
            if (e.response_end && e.what == http_event::kind::body) {
                out.push_back(std::string{"B"}.append(body));
                body.clear();
            }
        }
    }
    return out;
}

std::vector<std::string> same_at_every_split(const std::string& input) {
    return echo::test::same_at_every_split(as_bytes(input), events_of);
}

}  // namespace

TEST(HttpResponseReader, KeepAliveStreamAtEverySplit) {
    const std::string in =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello"
        "HTTP/1.1 204 No Content\r\n\r\n"
        "HTTP/1.1 500 Oops\r\ncontent-LENGTH:  3 \r\n\r\nbad"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"
        "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
        "HTTP/1.1 200\r\nContent-Length: 1\r\nConnection: keep-alive, Close\r\n\r\nz";
    const auto events = same_at_every_split(in);
    const std::vector<std::string> want{"H100", "H200", "Bhello", "H204", "H500", "Bbad",
                                        "H200", "Bok",  "H200c",  "H200c", "Bz"};
    EXPECT_EQ(events, want);
}

TEST(HttpResponseReader, UpgradeHandsTheRestOver) {
    const std::string in =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi";
    http_response_reader r;
    const auto e = r.next(as_bytes(in));
    ASSERT_EQ(e.what, http_event::kind::head);
    EXPECT_EQ(e.used, in.size() - 4);
    EXPECT_EQ(r.head().status, 101);
    EXPECT_TRUE(r.head().upgrade_websocket);
    EXPECT_TRUE(r.head().connection_upgrade);
    EXPECT_EQ(r.head().websocket_accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    EXPECT_EQ(r.next(as_bytes("\x81")).what, http_event::kind::error);
    EXPECT_EQ(same_at_every_split(in),
              (std::vector<std::string>{"H101", "used " + std::to_string(in.size() - 4)}));
}

TEST(HttpResponseReader, RefusesWithAReason) {
    struct bad_case {
        std::string input;
        const char* words;
    };
    const std::vector<bad_case> cases{
        {"HTTP/2 200 OK\r\n\r\n", "bad status line"},
        {"HTTP/1.1 20 OK\r\n\r\n", "bad status line"},
        {"HTTP/1.1 2000\r\n\r\n", "bad status line"},
        {"HTTP/1.1 abc OK\r\n\r\n", "bad status code"},
        {"HTTP/1.1 099 OK\r\n\r\n", "bad status code"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "only Content-Length"},
        {"HTTP/1.1 200 OK\r\n\r\n", "without Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "repeated"},
        {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad or repeated"},
        {"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", "bad header line"},
        {"HTTP/1.1 200 OK\r\nName : x\r\n\r\n", "bad header line"},
        {"HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", "bad header line"},
        {"HTTP/1.1 200 OK\r\nX: " + std::string(20000, 'a'), "over 16384"},
    };
    for (const auto& c : cases) {
        const auto events = c.input.size() < 200 ? same_at_every_split(c.input)
                                                 : events_of({as_bytes(c.input)});
        ASSERT_FALSE(events.empty()) << c.input;
        EXPECT_NE(events.back().find(c.words), std::string::npos) << events.back();
    }
}
