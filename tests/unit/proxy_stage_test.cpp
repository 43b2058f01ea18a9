// proxy_stage over byte buffers: v1 and v2 headers with the stream after them, cut
// at every offset and fed a byte at a time; a listed balancer's header-less
// streams; every way to fail; and the chain it sits in, which skips it once open
// and tells each stage to close only after the bytes above it have reached it.
#include "core/chunk_pool.hpp"
#include "core/proxy_header.hpp"
#include "pipeline/chain.hpp"
#include "proxy/proxy_stage.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace core = echo::core;
namespace pipeline = echo::pipeline;
using echo::proxy::proxy_stage;
using reading = proxy_stage::reading;
using pipeline::stage_state;

constexpr std::uint32_t kChunkSize = 16 * 1024;

core::proxy_endpoint v4(std::array<std::uint8_t, 4> ip, std::uint16_t port) {
    return {core::peer_address::ipv4(ip), port};
}

core::proxy_endpoint v6(std::array<std::uint8_t, 16> ip, std::uint16_t port) {
    return {core::peer_address::ipv6(ip), port};
}

const auto kClient = v4({192, 0, 2, 7}, 56324);
const auto kServer = v4({198, 51, 100, 2}, 443);

core::chunk_ptr chunk_of(core::chunk_pool& pool, std::string_view bytes) {
    auto c = pool.acquire();
    std::memcpy(c->data, bytes.data(), bytes.size());
    c->end = static_cast<std::uint32_t>(bytes.size());
    return c;
}

std::string drain(pipeline::stage& s) {
    std::string out;
    while (auto c = s.pull_inbound()) {
        out.append(reinterpret_cast<const char*>(c->payload().data()), c->size());
    }
    return out;
}

// Feeds `bytes` cut at `cuts` (ascending offsets) and returns what came through.
std::string feed(core::chunk_pool& pool, proxy_stage& s, std::string_view bytes,
                 const std::vector<std::size_t>& cuts) {
    std::string out;
    std::size_t at = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t end = i < cuts.size() ? cuts[i] : bytes.size();
        if (end > at) {
            s.push_inbound(chunk_of(pool, bytes.substr(at, end - at)));
            out += drain(s);
        }
        at = end;
    }
    return out;
}

struct header_case {
    const char* name;
    std::string header;
    bool claims;  // names kClient
};

std::vector<header_case> headers() {
    const std::vector<core::proxy_tlv> tlvs = {{0x01, "h2"}, {0x02, "example.com"},
                                               {0x05, std::string(32, 'u')}};
    return {
        {"v1 TCP4", core::encode_proxy_v1(kClient, kServer), true},
        {"v2 INET", core::encode_proxy_v2(kClient, kServer), true},
        {"v2 INET with TLVs and CRC32C", core::encode_proxy_v2(kClient, kServer, tlvs, true), true},
        {"v2 LOCAL", core::encode_proxy_v2_local(), false},
        {"v1 UNKNOWN", "PROXY UNKNOWN\r\n", false},
    };
}

class ProxyStage : public ::testing::Test {
protected:
    core::chunk_pool pool_{kChunkSize, 8};
};

TEST_F(ProxyStage, EveryHeaderCutAtEveryOffsetGivesTheClientAndTheStreamAfterIt) {
    const std::string stream = "hello, after the header";
    for (const auto mode : {reading::required, reading::if_present}) {
        for (const auto& h : headers()) {
            const std::string bytes = h.header + stream;
            for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
                proxy_stage s{pool_, mode};
                const auto got = feed(pool_, s, bytes, {cut});
                SCOPED_TRACE(std::string{h.name} + " cut at " + std::to_string(cut));
                ASSERT_EQ(s.state(), stage_state::open);
                EXPECT_EQ(got, stream);
                EXPECT_TRUE(s.transparent());
                EXPECT_TRUE(s.facts().present);
                EXPECT_FALSE(s.claim().pending);
                ASSERT_EQ(s.claim().address.has_value(), h.claims);
                if (h.claims) {
                    EXPECT_EQ(*s.claim().address, kClient.ip);
                    EXPECT_EQ(s.claim().port, kClient.port);
                }
                EXPECT_EQ(s.held(), 0U);
            }
        }
    }
}

TEST_F(ProxyStage, AHeaderAByteAtATimeIsPendingUntilItsLastByte) {
    for (const auto& h : headers()) {
        SCOPED_TRACE(h.name);
        proxy_stage s{pool_, reading::required};
        std::vector<std::size_t> cuts;
        for (std::size_t i = 1; i < h.header.size(); ++i) {
            s.push_inbound(chunk_of(pool_, h.header.substr(i - 1, 1)));
            ASSERT_EQ(s.state(), stage_state::opening) << "after byte " << i;
            ASSERT_TRUE(s.claim().pending);
            ASSERT_LE(s.held(), 1U);  // one chunk, whatever the header's length
            ASSERT_EQ(s.pull_inbound(), nullptr);
        }
        s.push_inbound(chunk_of(pool_, h.header.substr(h.header.size() - 1)));
        EXPECT_EQ(s.state(), stage_state::open);
        EXPECT_EQ(s.held(), 0U);
    }
}

TEST_F(ProxyStage, TheV2HeaderNamesTheIpv6ClientAndItsTlvsGoToTheLog) {
    const auto client = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 1234);
    const auto server = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 7);
    const std::vector<core::proxy_tlv> tlvs = {{0x02, "echo.example"}};
    proxy_stage s{pool_, reading::required};
    EXPECT_EQ(feed(pool_, s, core::encode_proxy_v2(client, server, tlvs) + "x", {}), "x");
    ASSERT_TRUE(s.claim().address);
    EXPECT_EQ(*s.claim().address, client.ip);
    bool authority = false;
    for (const auto& [key, value] : s.facts().fields) {
        authority |= key == "proxy_authority" && value == "echo.example";
    }
    EXPECT_TRUE(authority);
    EXPECT_EQ(s.facts().version, 2);
}

TEST_F(ProxyStage, WithoutAHeaderARequiredStageFailsAtTheFirstByteThatCannotStartOne) {
    proxy_stage s{pool_, reading::required};
    s.push_inbound(chunk_of(pool_, "GET / HTTP/1.1\r\n\r\n"));
    EXPECT_EQ(s.state(), stage_state::failed);
    EXPECT_FALSE(s.failure().empty());
    EXPECT_EQ(s.pull_inbound(), nullptr);
    EXPECT_FALSE(s.claim().pending);
    EXPECT_FALSE(s.claim().address);
}

TEST_F(ProxyStage, AnEndlessV1LineFailsWithinItsLengthLimit) {
    proxy_stage s{pool_, reading::required};
    std::size_t fed = 0;
    s.push_inbound(chunk_of(pool_, "PROXY TCP4 "));
    fed += 11;
    while (s.state() == stage_state::opening && fed < core::kMaxProxyHeader) {
        s.push_inbound(chunk_of(pool_, "1"));
        ++fed;
    }
    EXPECT_EQ(s.state(), stage_state::failed);
    EXPECT_LE(fed, 108U);  // v1's longest line is 107 bytes
}

TEST_F(ProxyStage, AV2HeaderClaimingMoreThanTheBoundFailsAtItsLengthField) {
    std::string header = core::encode_proxy_v2(kClient, kServer);
    header[14] = static_cast<char>(0xff);  // the length: 65 535 + 16 bytes
    header[15] = static_cast<char>(0xff);
    proxy_stage s{pool_, reading::required};
    s.push_inbound(chunk_of(pool_, header.substr(0, 16)));
    EXPECT_EQ(s.state(), stage_state::failed);
}

TEST_F(ProxyStage, TheStreamEndingBeforeAHeaderFailsARequiredStage) {
    proxy_stage empty{pool_, reading::required};
    empty.inbound_ended();
    EXPECT_EQ(empty.state(), stage_state::failed);
    EXPECT_EQ(empty.failure(), "closed_before_header");
    proxy_stage partial{pool_, reading::required};
    partial.push_inbound(chunk_of(pool_, "PROXY TCP4 1.2"));
    partial.inbound_ended();
    EXPECT_EQ(partial.state(), stage_state::failed);
    EXPECT_EQ(partial.held(), 0U);
}

TEST_F(ProxyStage, AListedBalancersStreamWithoutAHeaderIsServedAsItself) {
    // Bytes that stray from both signatures are the stream, decided at the first
    // byte that strays, and nothing is held back or lost.
    for (const std::string stream : {"hello", "PROXIES are fine", "\r\n\r\nnot v2", "P"}) {
        for (std::size_t cut = 1; cut < stream.size(); ++cut) {
            proxy_stage s{pool_, reading::if_present};
            auto got = feed(pool_, s, stream, {cut});
            s.inbound_ended();
            got += drain(s);
            SCOPED_TRACE(stream + " cut at " + std::to_string(cut));
            EXPECT_EQ(s.state(), stage_state::open);
            EXPECT_EQ(got, stream);
            EXPECT_FALSE(s.facts().present);
            EXPECT_FALSE(s.claim().address);
            EXPECT_TRUE(s.inbound_finished());
        }
    }
}

TEST_F(ProxyStage, ABalancersHeaderCutShortByTheStreamsEndFails) {
    // Once a whole signature came, the bytes are a header, not the stream: cut short,
    // they are refused as under proxy=require, however long they were (a 3000-byte
    // v2 header's start is longer than the 1 KiB chunks of --max-buffer 1KiB).
    core::chunk_pool small{1024, 8};
    const std::vector<core::proxy_tlv> pad = {{0x04, std::string(3900, 'p')}};
    const std::string long_v2 = core::encode_proxy_v2(kClient, kServer, pad).substr(0, 3000);
    const std::string v1 = core::encode_proxy_v1(kClient, kServer);
    for (const std::string& bytes : {long_v2, v1.substr(0, v1.size() - 1), v1.substr(0, 6)}) {
        std::vector<std::size_t> cuts;
        for (std::size_t at = 1000; at < bytes.size(); at += 1000) {
            cuts.push_back(at);
        }
        proxy_stage s{small, reading::if_present};
        const auto got = feed(small, s, bytes, cuts);
        s.inbound_ended();
        SCOPED_TRACE(std::to_string(bytes.size()) + " bytes");
        EXPECT_EQ(got + drain(s), "");
        EXPECT_EQ(s.state(), stage_state::failed);
        EXPECT_EQ(s.failure(), "closed_before_header");
        EXPECT_EQ(s.held(), 0U);
    }
}

TEST_F(ProxyStage, ABalancerThatOnlyConnectsAndClosesIsServedAsItself) {
    proxy_stage s{pool_, reading::if_present};
    s.inbound_ended();
    EXPECT_EQ(s.state(), stage_state::open);
    EXPECT_TRUE(s.inbound_finished());
}

TEST_F(ProxyStage, AnUnlistedSourceNeverHasItsHeaderRead) {
    proxy_stage s{pool_, reading::never};
    EXPECT_EQ(s.state(), stage_state::open);
    EXPECT_FALSE(s.claim().pending);
    const std::string forged = core::encode_proxy_v1(kClient, kServer);
    EXPECT_EQ(feed(pool_, s, forged, {}), forged);  // echoed as data, naming nobody
    EXPECT_FALSE(s.claim().address);
}

TEST_F(ProxyStage, AMalformedHeaderFromAListedBalancerFails) {
    proxy_stage s{pool_, reading::if_present};
    s.push_inbound(chunk_of(pool_, "PROXY TCP9 x\r\n"));
    EXPECT_EQ(s.state(), stage_state::failed);
}

TEST_F(ProxyStage, NothingGoesOutBeforeTheHeaderAndBytesPassAfter) {
    proxy_stage s{pool_, reading::required};
    const std::array<std::byte, 3> out{std::byte{'a'}, std::byte{'b'}, std::byte{'c'}};
    EXPECT_EQ(s.push_outbound(out), 0U);
    s.push_inbound(chunk_of(pool_, core::encode_proxy_v1(kClient, kServer)));
    ASSERT_EQ(s.state(), stage_state::open);
    EXPECT_EQ(s.push_outbound(out), 3U);
    EXPECT_EQ(s.wire().bytes(), 3U);
}

// A stage above the PROXY reader that holds its closing bytes until the wire
// side takes them, to show the order in which a chain closes.
class closing_stage final : public pipeline::stage {
public:
    explicit closing_stage(core::chunk_pool& pool) : pool_(pool) {}
    void push_inbound(core::chunk_ptr bytes) noexcept override { in_.push_back(std::move(bytes)); }
    void inbound_ended() noexcept override { ended_ = true; }
    core::chunk_ptr pull_inbound() noexcept override { return in_.pop_front(); }
    bool inbound_finished() const noexcept override { return ended_ && in_.empty(); }
    std::size_t push_outbound(std::span<const std::byte> b) noexcept override {
        wire_.push_back(pool_.acquire());
        return wire_.append_to_back(b);
    }
    void outbound_ended() noexcept override {
        wire_.push_back(pool_.acquire());
        const std::string_view bye = "BYE";
        (void)wire_.append_to_back({reinterpret_cast<const std::byte*>(bye.data()), bye.size()});
    }
    core::chunk_list& wire() noexcept override { return wire_; }
    stage_state state() const noexcept override { return stage_state::open; }
    std::string_view failure() const noexcept override { return {}; }
    std::size_t held() const noexcept override { return in_.count() + wire_.count(); }

private:
    core::chunk_pool& pool_;
    core::chunk_list in_, wire_;
    bool ended_ = false;
};

// Records whether it was told to close, and what it carried before.
class recording_bottom final : public pipeline::stage {
public:
    recording_bottom() = default;
    void push_inbound(core::chunk_ptr bytes) noexcept override { in_.push_back(std::move(bytes)); }
    void inbound_ended() noexcept override {}
    core::chunk_ptr pull_inbound() noexcept override { return in_.pop_front(); }
    bool inbound_finished() const noexcept override { return false; }
    std::size_t push_outbound(std::span<const std::byte> b) noexcept override {
        if (blocked) {
            return 0;
        }
        carried.append(reinterpret_cast<const char*>(b.data()), b.size());
        return b.size();
    }
    void outbound_ended() noexcept override { closed_after = carried; ended = true; }
    core::chunk_list& wire() noexcept override { return wire_; }
    stage_state state() const noexcept override { return stage_state::open; }
    std::string_view failure() const noexcept override { return {}; }
    std::size_t held() const noexcept override { return in_.count(); }

    bool blocked = true;
    bool ended = false;
    std::string carried, closed_after;

private:
    core::chunk_list in_, wire_;
};

TEST_F(ProxyStage, AChainTellsAStageToCloseOnlyOnceTheClosingBytesAboveReachedIt) {
    auto bottom = std::make_unique<recording_bottom>();
    auto* b = bottom.get();
    std::vector<std::unique_ptr<pipeline::stage>> stages;
    stages.push_back(std::move(bottom));
    stages.push_back(std::make_unique<closing_stage>(pool_));
    pipeline::chain chain{std::move(stages)};
    chain.app_ended();
    EXPECT_FALSE(b->ended);  // "BYE" is still above it
    b->blocked = false;
    (void)chain.pull_app();  // any later pump carries it down
    EXPECT_TRUE(b->ended);
    EXPECT_EQ(b->closed_after, "BYE");
}

TEST_F(ProxyStage, AChainSkipsTheOpenProxyStageAndHandsChunksOnUncopied) {
    auto proxy = std::make_unique<proxy_stage>(pool_, reading::required);
    auto* p = proxy.get();
    std::vector<std::unique_ptr<pipeline::stage>> stages;
    stages.push_back(std::move(proxy));
    stages.push_back(std::make_unique<closing_stage>(pool_));
    pipeline::chain chain{std::move(stages)};
    EXPECT_TRUE(chain.claim().pending);
    chain.push_wire(chunk_of(pool_, core::encode_proxy_v2(kClient, kServer) + "first"));
    auto first = chain.pull_app();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->size(), 5U);
    EXPECT_FALSE(chain.claim().pending);
    EXPECT_EQ(*chain.claim().address, kClient.ip);
    EXPECT_EQ(chain.opened(), 2U);
    auto next = chunk_of(pool_, "second");
    const core::chunk* sent = next.get();
    chain.push_wire(std::move(next));
    EXPECT_EQ(p->held(), 0U);  // went straight to the stage above
    auto second = chain.pull_app();
    EXPECT_EQ(second.get(), sent);
}

TEST_F(ProxyStage, AChainOfOnlyAnOpenProxyStageIsTransparent) {
    std::vector<std::unique_ptr<pipeline::stage>> stages;
    stages.push_back(std::make_unique<proxy_stage>(pool_, reading::required));
    pipeline::chain chain{std::move(stages)};
    EXPECT_FALSE(chain.transparent());
    chain.push_wire(chunk_of(pool_, core::encode_proxy_v1(kClient, kServer) + "abc"));
    EXPECT_FALSE(chain.transparent());  // "abc" is still inside
    auto c = chain.pull_app();
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(chain.transparent());
}

}  // namespace
