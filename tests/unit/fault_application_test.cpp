// The fault decorator driven as the worker drives it, without sockets: delayed
// bytes count against the bound and pause input, leave in order when their time
// comes, and the cuts, refusals and slow close end the connection as asked.
#include "pipeline/echo_application.hpp"
#include "pipeline/fault_application.hpp"
#include "support/app_driver.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

using namespace std::chrono_literals;
using echo::core::stream_faults;
using echo::pipeline::app_context;
using echo::pipeline::application;
using echo::pipeline::fault_application_factory;
using echo::pipeline::time_ns;

namespace {

constexpr time_ns kMs = 1'000'000;

struct faulted {
    explicit faulted(const stream_faults& f, std::size_t max_chunks = 4)
        : factory(std::make_shared<echo::pipeline::echo_application_factory>(),
                  std::make_shared<const stream_faults>(f)) {
        app_context context;
        context.chunks = &pool;
        context.max_chunks = max_chunks;
        app = factory.make(context);
    }
    echo::core::chunk_pool pool{64, 4};
    echo::testing::app_driver driver;
    fault_application_factory factory;
    std::unique_ptr<application> app;
};

}  // namespace

TEST(FaultApplication, DelayedBytesCountAgainstTheBoundAndPauseInput) {
    stream_faults f;
    f.delay = 10s;
    faulted t{f};
    // The driver's chunks are 64 bytes; the bound is 4 chunks.
    std::string sent;
    for (int i = 0; t.app->wants_input() && i < 1000; ++i) {
        const std::string piece(64, static_cast<char>('a' + i % 26));
        t.driver.feed(*t.app, piece, i * kMs);
        sent += piece;
    }
    EXPECT_FALSE(t.app->wants_input()) << "a sender into a long delay is never paused";
    EXPECT_GE(t.app->held_chunks(), 4u);
    EXPECT_LE(t.app->held_chunks(), 5u);
    EXPECT_TRUE(t.driver.out.empty());
    ASSERT_TRUE(t.app->wake_at());
    EXPECT_GE(*t.app->wake_at(), 10'000 * kMs);
    // Time passes: what was held leaves, in order, and input is welcome again.
    for (time_ns now = 10'000 * kMs; t.driver.out.size() < sent.size() && now < 20'000 * kMs;
         now = *t.app->wake_at()) {
        t.app->on_timer(now);
        t.driver.drain(*t.app, now);
        if (!t.app->wake_at()) {
            break;
        }
    }
    EXPECT_EQ(t.driver.out, sent);
    EXPECT_TRUE(t.app->wants_input());
}

TEST(FaultApplication, InboundSlicesReachTheApplicationInPiecesAndInOrder) {
    stream_faults f;
    f.direction = echo::core::fault_direction::in;
    f.slice_average = 10;
    f.slice_gap = 1ms;
    f.close_after = 95;  // counted on the client's bytes, the only ones shaped
    faulted t{f};
    std::string sent;
    for (int i = 0; i < 120; ++i) {
        sent += static_cast<char>('A' + i % 50);
    }
    t.driver.feed(*t.app, sent, 0);
    EXPECT_EQ(t.driver.out, sent.substr(0, 10));  // one slice now, the rest a gap apart
    time_ns now = 0;
    for (int turn = 0; turn < 100 && t.app->wake_at(); ++turn) {
        now = *t.app->wake_at();
        t.app->on_timer(now);
        t.driver.drain(*t.app, now);
    }
    EXPECT_EQ(t.driver.out, sent.substr(0, 95));
    EXPECT_EQ(now, 9 * kMs);  // nine gaps for ten slices
    EXPECT_TRUE(t.app->finished());
    EXPECT_EQ(t.app->failure(), "fault_close_after");
}

TEST(FaultApplication, ResetAfterEndsWithAResetAtTheCount) {
    stream_faults f;
    f.reset_after = 100;
    faulted t{f};
    t.driver.feed(*t.app, std::string(300, 'r'));
    EXPECT_EQ(t.driver.out.size(), 100u);
    EXPECT_TRUE(t.app->finished());
    EXPECT_TRUE(t.app->resets());
    EXPECT_EQ(t.app->failure(), "fault_reset_after");
}

TEST(FaultApplication, CloseAfterEndsWithoutAReset) {
    stream_faults f;
    f.close_after = 10;
    faulted t{f};
    t.driver.feed(*t.app, std::string(64, 'c'));
    EXPECT_EQ(t.driver.out, std::string(10, 'c'));
    EXPECT_TRUE(t.app->finished());
    EXPECT_FALSE(t.app->resets());
    EXPECT_EQ(t.app->failure(), "fault_close_after");
}

TEST(FaultApplication, RefusedConnectionsAreFinishedAtOnce) {
    stream_faults f;
    f.refuse = 1;
    faulted t{f};
    EXPECT_TRUE(t.app->finished());
    EXPECT_FALSE(t.app->resets());
    EXPECT_FALSE(t.app->wants_input());
    ASSERT_TRUE(t.app->wake_at()) << "the worker must be woken to close it";
    EXPECT_EQ(t.factory.tallies().faulted_count(echo::pipeline::fault_tallies::kind::refuse), 1u);
}

TEST(FaultApplication, SlowCloseHoldsTheEndAfterThePeersEof) {
    stream_faults f;
    f.slow_close = 300ms;
    faulted t{f};
    t.driver.feed(*t.app, "bye", 0);
    EXPECT_EQ(t.driver.out, "bye");
    t.app->on_peer_eof(5 * kMs);
    t.app->on_peer_eof(6 * kMs);  // an engine that says it twice moves nothing
    EXPECT_FALSE(t.app->finished());
    EXPECT_FALSE(t.app->wants_input());
    EXPECT_EQ(t.app->wake_at(), 305 * kMs);
    t.app->on_timer(305 * kMs);
    EXPECT_TRUE(t.app->finished());
    EXPECT_TRUE(t.app->failure().empty());
}

TEST(FaultApplication, ToxicityPicksTheSameConnectionsForTheSameSeed) {
    stream_faults f;
    f.refuse = 1;
    f.toxicity = 0.3;
    f.seed = 11;
    const auto picks = [&f] {
        faulted t{f};
        std::string out;
        app_context context;
        context.chunks = &t.pool;
        context.max_chunks = 4;
        for (int i = 0; i < 200; ++i) {
            out += t.factory.make(context)->finished() ? '1' : '0';
        }
        return out;
    };
    const auto first = picks();
    EXPECT_EQ(picks(), first);
    const auto refused = std::count(first.begin(), first.end(), '1');
    EXPECT_GT(refused, 30);
    EXPECT_LT(refused, 90);
}
