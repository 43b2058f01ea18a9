// echo_stream: every byte comes back once, in order, whatever the split of receives
// and partial sends; memory is bounded by the chunks held.
#include "core/chunk_pool.hpp"
#include "core/echo_stream.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

using echo::core::chunk_pool;
using echo::core::echo_stream;

namespace {

std::vector<std::byte> pattern(std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<std::byte>((i * 31 + 7) & 0xff);
    }
    return v;
}

void receive(echo_stream& s, chunk_pool& pool, const std::byte* p, std::size_t n) {
    auto c = pool.acquire();
    std::copy(p, p + n, c->data);
    c->end = static_cast<std::uint32_t>(n);
    s.on_received(std::move(c));
}

// Sends at most `limit` bytes of what the stream offers, appending them to `out`.
std::size_t send_some(echo_stream& s, std::vector<std::byte>& out, std::size_t limit) {
    const auto span = s.begin_send();
    const std::size_t n = std::min(span.size(), limit);
    out.insert(out.end(), span.begin(), span.begin() + static_cast<std::ptrdiff_t>(n));
    if (!span.empty()) {
        s.on_sent(n);
    }
    return n;
}

}  // namespace

TEST(EchoStream, EchoesEverySplitOfReceiveAndSend) {
    const auto input = pattern(97);
    for (std::size_t recv_size = 1; recv_size <= 32; ++recv_size) {
        for (std::size_t send_limit = 1; send_limit <= 33; send_limit += 4) {
            chunk_pool pool{32, 4};
            echo_stream s;
            std::vector<std::byte> out;
            for (std::size_t at = 0; at < input.size(); at += recv_size) {
                receive(s, pool, input.data() + at, std::min(recv_size, input.size() - at));
                send_some(s, out, send_limit);
            }
            s.on_peer_eof();
            while (!s.finished()) {
                ASSERT_GT(send_some(s, out, send_limit), 0U);
            }
            ASSERT_EQ(out, input) << "recv " << recv_size << " send " << send_limit;
            EXPECT_EQ(s.bytes_echoed(), input.size());
            EXPECT_EQ(pool.lent(), 0U);
        }
    }
}

TEST(EchoStream, OneSendInFlightAtATime) {
    chunk_pool pool{8, 4};
    echo_stream s;
    const auto input = pattern(16);
    receive(s, pool, input.data(), 8);
    receive(s, pool, input.data() + 8, 8);
    const auto first = s.begin_send();
    EXPECT_EQ(first.size(), 8U);
    EXPECT_TRUE(s.begin_send().empty()) << "a second send would race the first";
    s.on_sent(3);
    const auto rest = s.begin_send();
    ASSERT_EQ(rest.size(), 5U);
    EXPECT_EQ(rest[0], input[3]);
}

TEST(EchoStream, StopsReceivingAtTheBoundAndAfterEof) {
    chunk_pool pool{8, 4};
    echo_stream s;
    const auto input = pattern(8);
    EXPECT_TRUE(s.wants_receive(2));
    receive(s, pool, input.data(), 8);
    EXPECT_TRUE(s.wants_receive(2));
    receive(s, pool, input.data(), 8);
    EXPECT_FALSE(s.wants_receive(2));
    (void)s.begin_send();
    s.on_sent(8);
    EXPECT_TRUE(s.wants_receive(2));
    s.on_peer_eof();
    EXPECT_FALSE(s.wants_receive(2));
    EXPECT_FALSE(s.finished()) << "8 bytes still owed to the peer";
}

TEST(EchoStream, EmptyReceiveHoldsNothing) {
    chunk_pool pool{8, 4};
    echo_stream s;
    s.on_received(pool.acquire());
    EXPECT_EQ(s.held_chunks(), 0U);
    EXPECT_EQ(pool.lent(), 0U);
    s.on_peer_eof();
    EXPECT_TRUE(s.finished());
}
