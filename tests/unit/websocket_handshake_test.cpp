// The opening handshake against RFC 6455's sample, then each requirement of §4.2.1
// broken alone, with the status and failure name it gets; the subprotocol choice.
#include "core/websocket_handshake.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace echo::core;

constexpr std::string_view kSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";

struct request_text {
    std::string method = "GET";
    unsigned major = 1, minor = 1;
    std::vector<http_header_view> headers{{"Host", "server.example.com"},
                                          {"Upgrade", "websocket"},
                                          {"Connection", "Upgrade"},
                                          {"Sec-WebSocket-Key", kSampleKey},
                                          {"Sec-WebSocket-Version", "13"}};

    websocket_handshake evaluate(std::vector<std::string> protocols = {}) const {
        return evaluate_websocket_upgrade({method, major, minor, headers}, protocols);
    }
    void drop(std::string_view name) {
        std::erase_if(headers, [&](const http_header_view& h) { return h.name == name; });
    }
    void set(std::string_view name, std::string_view value) {
        drop(name);
        headers.push_back({name, value});
    }
};

void expect_refused(const request_text& r, std::string_view failure, int status = 400) {
    const auto h = r.evaluate();
    EXPECT_FALSE(h.accepted);
    EXPECT_EQ(h.failure, failure);
    EXPECT_EQ(h.status, status);
    EXPECT_TRUE(h.response_head.empty());
}

TEST(WebsocketHandshake, AcceptKeyOfTheRfcSample) {
    EXPECT_EQ(websocket_accept_key(kSampleKey), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebsocketHandshake, AcceptsTheRfcSampleRequest) {
    const auto h = request_text{}.evaluate();
    ASSERT_TRUE(h.accepted) << h.failure;
    EXPECT_EQ(h.status, 101);
    EXPECT_EQ(h.response_head,
              "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    EXPECT_TRUE(h.subprotocol.empty());
    EXPECT_TRUE(h.error_headers.empty());
}

TEST(WebsocketHandshake, NamesAndTokensAreCaseInsensitiveAndListsAreSplit) {
    request_text r;
    r.headers = {{"HOST", "h"},
                 {"upgrade", "h2c, WebSocket"},
                 {"connection", "keep-alive"},
                 {"CONNECTION", " keep-alive ,\tUPGRADE "},
                 {"sec-websocket-key", " dGhlIHNhbXBsZSBub25jZQ== "},
                 {"SEC-WEBSOCKET-VERSION", "13"}};
    EXPECT_TRUE(asks_for_websocket(r.headers));
    const auto h = r.evaluate();
    ASSERT_TRUE(h.accepted) << h.failure;
    EXPECT_NE(h.response_head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
              std::string::npos);
}

TEST(WebsocketHandshake, OnlyAWebsocketTokenAsksForWebsocket) {
    EXPECT_FALSE(asks_for_websocket(std::vector<http_header_view>{{"Upgrade", "h2c"}}));
    EXPECT_FALSE(asks_for_websocket(std::vector<http_header_view>{{"Upgrade", "websockets"}}));
    EXPECT_FALSE(asks_for_websocket(std::vector<http_header_view>{{"X-Upgrade", "websocket"}}));
    EXPECT_FALSE(asks_for_websocket({}));
}

TEST(WebsocketHandshake, RequestFormFailuresAre400) {
    request_text post;
    post.method = "POST";
    expect_refused(post, "method");
    request_text lowercase_get;
    lowercase_get.method = "get";
    expect_refused(lowercase_get, "method");
    request_text http10;
    http10.minor = 0;
    expect_refused(http10, "http_version");
    request_text no_upgrade;
    no_upgrade.drop("Upgrade");
    expect_refused(no_upgrade, "upgrade");
    request_text no_connection_token;
    no_connection_token.set("Connection", "keep-alive");
    expect_refused(no_connection_token, "connection");
    request_text no_host;
    no_host.drop("Host");
    expect_refused(no_host, "host");
}

TEST(WebsocketHandshake, AnotherVersionIs426NamingThirteen) {
    request_text v8;
    v8.set("Sec-WebSocket-Version", "8");
    const auto h = v8.evaluate();
    EXPECT_EQ(h.status, 426);
    EXPECT_EQ(h.error_headers, "Sec-WebSocket-Version: 13\r\n");
    expect_refused(v8, "ws_version", 426);
    request_text twice;
    twice.headers.push_back({"Sec-WebSocket-Version", "13"});
    expect_refused(twice, "ws_version", 426);
    request_text listed;
    listed.set("Sec-WebSocket-Version", "13, 8");
    expect_refused(listed, "ws_version", 426);
    request_text missing;
    missing.drop("Sec-WebSocket-Version");
    expect_refused(missing, "ws_version", 400);
    EXPECT_TRUE(missing.evaluate().error_headers.empty());
}

TEST(WebsocketHandshake, KeyMustBeBase64OfSixteenBytes) {
    for (std::string_view bad : {"", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ===",
                                 "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZXg=",
                                 "dGhlIHNhbXBsZSBub25jZ!==", "dGhlIHNhbXBsZSBub25j ZQ==",
                                 "dGhlIHNhbXBsZSBub25jZQ==dGhlIHNhbXBsZSBub25jZQ=="}) {
        EXPECT_FALSE(valid_websocket_key(bad)) << bad;
        request_text r;
        r.set("Sec-WebSocket-Key", bad);
        expect_refused(r, "key");
    }
    EXPECT_TRUE(valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));
    EXPECT_TRUE(valid_websocket_key("+/+/+/+/+/+/+/+/+/+/+w=="));
    request_text missing;
    missing.drop("Sec-WebSocket-Key");
    expect_refused(missing, "key");
    request_text twice;
    twice.headers.push_back({"Sec-WebSocket-Key", kSampleKey});
    expect_refused(twice, "key");
}

TEST(WebsocketHandshake, SubprotocolIsTheClientsFirstOfferOnTheList) {
    request_text r;
    r.headers.push_back({"Sec-WebSocket-Protocol", "chat, superchat"});
    r.headers.push_back({"Sec-WebSocket-Protocol", "echo"});
    struct expectation {
        std::vector<std::string> listener;
        std::string chosen;
    };
    for (const auto& [listener, chosen] : std::vector<expectation>{{{}, ""},
                                                                    {{"superchat"}, "superchat"},
                                                                    {{"echo", "superchat"}, "superchat"},
                                                                    {{"echo"}, "echo"},
                                                                    {{"other"}, ""},
                                                                    {{"Chat"}, ""},
                                                                    {{"*"}, "chat"}}) {
        const auto h = r.evaluate(listener);
        ASSERT_TRUE(h.accepted) << h.failure;
        EXPECT_EQ(h.subprotocol, chosen) << (listener.empty() ? "" : listener.front());
        const bool named = h.response_head.find("Sec-WebSocket-Protocol: " + chosen + "\r\n\r\n") !=
                           std::string::npos;
        EXPECT_EQ(named, !chosen.empty());
        EXPECT_EQ(h.response_head.find("Sec-WebSocket-Protocol: \r\n"), std::string::npos);
    }
}

TEST(WebsocketHandshake, MalformedProtocolOfferIs400) {
    request_text r;
    r.headers.push_back({"Sec-WebSocket-Protocol", "chat, super chat"});
    expect_refused(r, "protocol");
    request_text empty_elements;
    empty_elements.headers.push_back({"Sec-WebSocket-Protocol", ", chat,,"});
    const auto h = empty_elements.evaluate({"chat"});
    ASSERT_TRUE(h.accepted);
    EXPECT_EQ(h.subprotocol, "chat");
}

TEST(WebsocketHandshake, EveryFailureNameIsReachableAndListed) {
    std::set<std::string_view> reached;
    const auto reach = [&](auto&& change) {
        request_text r;
        change(r);
        reached.insert(r.evaluate().failure);
    };
    reach([](request_text& r) { r.method = "PUT"; });
    reach([](request_text& r) { r.major = 0; });
    reach([](request_text& r) { r.drop("Upgrade"); });
    reach([](request_text& r) { r.drop("Connection"); });
    reach([](request_text& r) { r.drop("Host"); });
    reach([](request_text& r) { r.drop("Sec-WebSocket-Version"); });
    reach([](request_text& r) { r.drop("Sec-WebSocket-Key"); });
    reach([](request_text& r) { r.headers.push_back({"Sec-WebSocket-Protocol", "a/b"}); });
    const auto listed = websocket_upgrade_failures();
    EXPECT_EQ(std::set<std::string_view>(listed.begin(), listed.end()), reached);
    EXPECT_EQ(listed.size(), reached.size());
}

}  // namespace
