// The fault decorator driven as the worker drives it, without sockets: delayed
// bytes count against the bound and pause input, leave in order when their time
// comes, and the cuts, refusals and slow close end the connection as asked.
#include "pipeline/echo_application.hpp"
#include "pipeline/fault_application.hpp"
#include "support/app_driver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using echo::core::stream_faults;
using echo::pipeline::app_context;
using echo::pipeline::application;
using echo::pipeline::fault_application;
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

    // The k-th point of this connection's follow grid.
    [[nodiscard]] time_ns grid(time_ns k) const {
        return dynamic_cast<const fault_application&>(*app).follow_phase() +
               k * fault_application::kFollowNs;
    }
};

// Runs the connection's timers up to `end`, sending what each lets out.
void run_until(faulted& t, time_ns end) {
    for (int i = 0; i < 10'000 && t.app->wake_at() && *t.app->wake_at() <= end; ++i) {
        const auto now = *t.app->wake_at();
        t.app->on_timer(now);
        t.driver.drain(*t.app, now);
    }
}

// `n` letters from `first` on, round the alphabet: order shows in any prefix.
std::string letters(int n, char first) {
    std::string s;
    for (int i = 0; i < n; ++i) {
        s += static_cast<char>(first + i % 26);
    }
    return s;
}

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
    // It wakes on the follow grid to take up a change; none came, so nothing leaves.
    for (int i = 0; i < 100 && t.app->wake_at() && *t.app->wake_at() < 10'000 * kMs; ++i) {
        const auto now = *t.app->wake_at();
        EXPECT_EQ((now - t.grid(0)) % fault_application::kFollowNs, 0);
        t.app->on_timer(now);
        t.driver.drain(*t.app, now);
        EXPECT_TRUE(t.driver.out.empty()) << "at " << now;
    }
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

// Aligned grids would wake every held connection of a loop in one turn.
TEST(FaultApplication, ConnectionsFollowOnGridsSpreadOverTheStep) {
    stream_faults f;
    f.delay = 1s;
    faulted t{f};
    app_context context;
    context.chunks = &t.pool;
    context.max_chunks = 4;
    std::array<int, 10> per_tenth{};
    for (int i = 0; i < 1000; ++i) {
        const auto app = t.factory.make(context);
        const auto phase = dynamic_cast<const fault_application&>(*app).follow_phase();
        ASSERT_GE(phase, 0);
        ASSERT_LT(phase, fault_application::kFollowNs);
        ++per_tenth[static_cast<std::size_t>(phase / (fault_application::kFollowNs / 10))];
    }
    for (const int n : per_tenth) {
        EXPECT_GT(n, 50) << "a tenth of the step holds about 100 of 1000 connections";
        EXPECT_LT(n, 150);
    }
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
    // Follow-grid wake-ups before the end change nothing.
    run_until(t, 304 * kMs);
    EXPECT_FALSE(t.app->finished());
    run_until(t, 305 * kMs);
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

// A change through the factory (the admin API's PUT) reaches a connection already
// open: at its next event, or on the follow grid while it is quiet.
TEST(FaultApplication, AnOpenConnectionTakesUpALowerDelay) {
    stream_faults f;
    f.delay = 300ms;
    faulted t{f};
    t.driver.feed(*t.app, "one", 0);
    EXPECT_EQ(t.driver.out, "");
    stream_faults g;
    g.delay = 20ms;
    t.factory.replace(std::make_shared<const stream_faults>(g));
    // Quiet: the grid wake-up re-times "one" to 20 ms, already past.
    const time_ns first = t.grid(t.grid(0) > 0 ? 0 : 1);
    EXPECT_EQ(t.app->wake_at(), first);
    t.app->on_timer(first);
    t.driver.drain(*t.app, first);
    EXPECT_EQ(t.driver.out, "one");
    // New bytes take the new delay.
    t.driver.feed(*t.app, "two", 260 * kMs);
    EXPECT_EQ(t.driver.out, "one");
    EXPECT_EQ(t.app->wake_at(), 280 * kMs);
    t.app->on_timer(280 * kMs);
    t.driver.drain(*t.app, 280 * kMs);
    EXPECT_EQ(t.driver.out, "onetwo");
}

TEST(FaultApplication, NewBytesBringAChangeToHeldOnesAtOnceInOrder) {
    stream_faults f;
    f.delay = 5s;
    f.rate = 10;
    faulted t{f, 64};
    std::string sent;
    for (int i = 0; i < 20; ++i) {
        const std::string piece(10, static_cast<char>('a' + i));
        t.driver.feed(*t.app, piece, i * kMs);
        sent += piece;
    }
    EXPECT_EQ(t.driver.out, "");
    // DELETE: a spec that asks for nothing.
    t.factory.replace(std::make_shared<const stream_faults>());
    t.driver.feed(*t.app, "!", 30 * kMs);
    EXPECT_EQ(t.driver.out, sent + "!") << "held bytes first, then straight through";
    EXPECT_FALSE(t.app->wake_at()) << "nothing held: no wake-up";
}

TEST(FaultApplication, AHigherRateShowsOnTheSameConnection) {
    stream_faults f;
    f.rate = 1'000;
    faulted t{f, 64};
    const std::string sent(3'000, 'r');
    t.driver.give(*t.app, sent, 0);
    t.driver.drain(*t.app, 0);
    run_until(t, 1'000 * kMs);
    EXPECT_NEAR(static_cast<double>(t.driver.out.size()), 1'000, 30) << "a second at 1000 B/s";
    stream_faults g;
    g.rate = 1'000'000;
    t.factory.replace(std::make_shared<const stream_faults>(g));
    run_until(t, 1'300 * kMs);
    EXPECT_EQ(t.driver.out, sent) << "the rest within the next grid step";
}

TEST(FaultApplication, WhatOpenConnectionsKeep) {
    // The cut counts from the connection's start; faults_dir keeps its shapers.
    stream_faults f;
    f.close_after = 10;
    f.delay = 1s;
    faulted t{f};
    t.driver.feed(*t.app, std::string(20, 'c'), 0);
    t.factory.replace(std::make_shared<const stream_faults>());
    t.app->on_timer(fault_application::kFollowNs);
    t.driver.drain(*t.app, fault_application::kFollowNs);
    EXPECT_EQ(t.driver.out, std::string(10, 'c'));
    EXPECT_TRUE(t.app->finished());
    EXPECT_EQ(t.app->failure(), "fault_close_after");

    // A connection the toxicity draw left plain stays plain.
    stream_faults none;
    none.delay = 1s;
    none.toxicity = 0;
    faulted plain{none};
    plain.factory.replace(std::make_shared<const stream_faults>(f));
    plain.driver.feed(*plain.app, "fast", 0);
    EXPECT_EQ(plain.driver.out, "fast");
}

TEST(FaultApplication, ADirectionTheChangeDropsPassesThrough) {
    stream_faults f;
    f.direction = echo::core::fault_direction::in;
    f.delay = 1s;
    faulted t{f};
    t.driver.feed(*t.app, "in", 0);
    EXPECT_EQ(t.driver.out, "");
    stream_faults g;  // faults_dir=out: this connection has no out shaper to add
    g.delay = 1s;
    t.factory.replace(std::make_shared<const stream_faults>(g));
    t.driver.feed(*t.app, "put", 10 * kMs);
    EXPECT_EQ(t.driver.out, "input");
}

TEST(FaultApplication, ADirectionTheChangeDropsLeavesTheListenerBucket) {
    // faults_dir=both -> in, same rate_total: only the client's bytes draw on the
    // listener's bucket from then on, as on a connection made with faults_dir=in.
    stream_faults both;
    both.direction = echo::core::fault_direction::both;
    both.rate_total = 1'000;
    auto in = both;
    in.direction = echo::core::fault_direction::in;
    faulted changed{both, 64};
    changed.factory.replace(std::make_shared<const stream_faults>(in));
    faulted made_so{in, 64};
    const std::string sent(3'000, 't');
    for (auto* t : {&changed, &made_so}) {
        t->driver.give(*t->app, sent, 0);
        t->driver.drain(*t->app, 0);
        run_until(*t, 1'000 * kMs);
    }
    EXPECT_GT(made_so.driver.out.size(), 900u) << "a second of the rate, on the way in only";
    EXPECT_NEAR(static_cast<double>(changed.driver.out.size()),
                static_cast<double>(made_so.driver.out.size()), 30)
        << "the echo of the changed connection no longer draws on the bucket";
}

// rate_total over many connections of one loop whose sends all start in one turn
// before any completes, as the worker's do: each must find the bytes the others
// started already gone from the listener's bucket, or the listener gets about one
// send per connection and turn over its cap.
TEST(FaultApplication, SendsStartedInOneTurnShareTheListenersTotalRate) {
    stream_faults f;
    f.rate_total = 100'000;
    echo::testing::app_driver driver{SIZE_MAX, 1024};
    echo::core::chunk_pool pool{1024, 4};
    fault_application_factory factory{std::make_shared<echo::pipeline::echo_application_factory>(),
                                      std::make_shared<const stream_faults>(f)};
    app_context context;
    context.chunks = &pool;
    context.max_chunks = 64;
    std::vector<std::unique_ptr<application>> apps;
    for (int i = 0; i < 100; ++i) {
        apps.push_back(factory.make(context));
        driver.give(*apps.back(), std::string(16 * 1024, 't'), 0);
    }
    std::vector<std::size_t> sending(apps.size());
    std::uint64_t sent = 0;
    time_ns now = 0;
    for (int turn = 0; turn < 100'000 && now < 2'000 * kMs; ++turn) {
        for (std::size_t i = 0; i < apps.size(); ++i) {
            apps[i]->on_timer(now);
            sending[i] = apps[i]->begin_send().size();
        }
        for (std::size_t i = 0; i < apps.size(); ++i) {
            if (sending[i] > 0) {
                apps[i]->on_sent(sending[i], now);
                sent += sending[i];
            }
        }
        time_ns wake = INT64_MAX;
        for (const auto& app : apps) {
            wake = std::min(wake, app->wake_at().value_or(INT64_MAX));
        }
        ASSERT_GT(wake, now);
        now = wake;
    }
    // Two seconds at 100 kB/s, plus the window saved up at the start (250 ms).
    EXPECT_NEAR(static_cast<double>(sent), 2.25 * 100'000, 100'000 * 0.03);
}

// The listener's delayed bytes show as they leave, while the connection lasts.
TEST(FaultApplication, DelayedBytesCountWhileTheConnectionIsOpen) {
    stream_faults f;
    f.delay = 100ms;
    faulted t{f};
    t.driver.feed(*t.app, std::string(100, 'd'), 0);
    EXPECT_EQ(t.factory.tallies().bytes_delayed(), 0u) << "none has left yet";
    for (int i = 0; i < 100 && t.driver.out.size() < 100 && t.app->wake_at(); ++i) {
        const auto now = *t.app->wake_at();
        t.app->on_timer(now);
        t.driver.drain(*t.app, now);
    }
    ASSERT_EQ(t.driver.out.size(), 100u);
    EXPECT_EQ(t.factory.tallies().bytes_delayed(), 100u);
    t.app.reset();
    EXPECT_EQ(t.factory.tallies().bytes_delayed(), 100u) << "and once only";
}

// A slice of one byte with no gap opens the next slice at once: without a budget
// per loop turn, one connection's 64 KiB would go as 65 536 sends in one turn.
TEST(FaultApplication, OneByteSlicesYieldToTheLoopAfterTheTurnBudget) {
    stream_faults f;
    f.slice_average = 1;
    faulted t{f, 64};
    const auto sent = letters(200, 'a');
    t.driver.give(*t.app, sent, 0);
    t.driver.drain(*t.app, 0);
    EXPECT_EQ(t.driver.out, sent.substr(0, fault_application::kTurnSends));
    ASSERT_TRUE(t.app->wake_at()) << "a spent turn must ask for the next one";
    EXPECT_EQ(*t.app->wake_at(), 1) << "the next turn's timer phase, no later";
    time_ns now = 0;
    int turns = 1;
    for (; turns < 100 && t.driver.out.size() < sent.size() && t.app->wake_at(); ++turns) {
        now = *t.app->wake_at();
        t.app->on_timer(now);
        const auto before = t.driver.out.size();
        t.driver.drain(*t.app, now);
        EXPECT_LE(t.driver.out.size() - before, fault_application::kTurnSends) << "turn " << turns;
    }
    EXPECT_EQ(t.driver.out, sent);
    EXPECT_EQ(turns, static_cast<int>((sent.size() + fault_application::kTurnSends - 1) /
                                      fault_application::kTurnSends));
}

// The same on the client's bytes: each piece handed on costs a chunk of its own,
// so the pieces per turn are budgeted and the inner application kept to the bound.
TEST(FaultApplication, OneByteInboundSlicesAreBudgetedAndBounded) {
    stream_faults f;
    f.direction = echo::core::fault_direction::in;
    f.slice_average = 1;
    faulted t{f, 8};
    const auto sent = letters(200, 'A');
    t.driver.give(*t.app, sent, 0);
    EXPECT_LE(t.app->held_chunks(), 8u + 4u) << "the bound, plus the chunks given";
    t.driver.drain(*t.app, 0);
    EXPECT_LE(t.driver.out.size(), fault_application::kTurnSends);
    EXPECT_GT(t.driver.out.size(), 0u);
    for (int turns = 0; turns < 100 && t.driver.out.size() < sent.size() && t.app->wake_at();
         ++turns) {
        const auto now = *t.app->wake_at();
        t.app->on_timer(now);
        t.driver.drain(*t.app, now);
        EXPECT_LE(t.app->held_chunks(), 8u + 4u);
    }
    EXPECT_EQ(t.driver.out, sent);
}

// A stalled connection goes on reading, and drops what it reads (nothing leaves
// after a stall begins), so the client's leaving is seen however much it sent
// first: else its socket would wait in CLOSE_WAIT for ever.
TEST(FaultApplication, AStallWithoutEndReadsOnDroppingAndEndsWhenTheClientDoes) {
    stream_faults f;
    f.stall_after = 3;
    faulted t{f};
    t.driver.feed(*t.app, "abcdef", 0);
    EXPECT_EQ(t.driver.out, "abc");
    const auto held = t.app->held_chunks();
    // Small pieces and large, far past the bound (4 chunks of 64 bytes here).
    for (int piece = 0; piece < 100; ++piece) {
        ASSERT_TRUE(t.app->wants_input()) << "a stalled connection must read on, piece " << piece;
        t.driver.feed(*t.app, std::string(piece % 2 == 0 ? 1 : 64, 'x'), kMs);
    }
    EXPECT_EQ(t.app->held_chunks(), held) << "what a stall reads is dropped, not held";
    EXPECT_EQ(t.driver.out, "abc") << "nothing leaves during the stall";
    EXPECT_FALSE(t.app->finished());
    t.app->on_peer_eof(2 * kMs);
    t.driver.drain(*t.app, 2 * kMs);
    EXPECT_TRUE(t.app->finished());
    EXPECT_FALSE(t.app->resets());
    EXPECT_EQ(t.driver.out, "abc");
}

// faults_dir=in with a delay: bytes still held when the stall begins must not keep
// the worker from reading (its bound counts held chunks), or a client that leaves
// is never seen to leave.
TEST(FaultApplication, AStallOnTheInputDropsWhatItStillHeld) {
    stream_faults f;
    f.direction = echo::core::fault_direction::in;
    f.delay = 300ms;
    f.stall_after = 10;
    faulted t{f};
    for (int i = 0; t.app->wants_input() && i < 100; ++i) {
        t.driver.feed(*t.app, std::string(64, 'i'), 0);
    }
    EXPECT_GE(t.app->held_chunks(), 4u) << "the delay holds the client's bytes to the bound";
    run_until(t, 1'000 * kMs);
    EXPECT_EQ(t.app->held_chunks(), 0u) << "nothing a stall holds counts against the bound";
    EXPECT_TRUE(t.app->wants_input()) << "so reading goes on";
    t.app->on_peer_eof(1'001 * kMs);
    t.driver.drain(*t.app, 1'001 * kMs);
    EXPECT_TRUE(t.app->finished()) << "and the client's leaving ends it";
}

TEST(FaultApplication, ABoundedStallKeepsTheClientsEofUntilItEnds) {
    stream_faults f;
    f.stall_after = 0;
    f.stall_for = 1s;
    faulted t{f};
    EXPECT_TRUE(t.app->wants_input());
    t.driver.feed(*t.app, "late", 0);
    t.app->on_peer_eof(kMs);
    EXPECT_FALSE(t.app->finished()) << "stall_for says how long it lasts";
    ASSERT_EQ(t.app->wake_at(), 1'000 * kMs);
    t.app->on_timer(1'000 * kMs);
    EXPECT_TRUE(t.app->finished());
    EXPECT_EQ(t.app->failure(), "fault_stall");
    EXPECT_EQ(t.driver.out, "");
}

TEST(FaultApplication, AcceptDelayReadsAheadAndServesWhatCameWithTheEof) {
    stream_faults f;
    f.accept_delay = 100ms;
    faulted t{f};
    EXPECT_TRUE(t.app->wants_input()) << "accept_delay must read on";
    t.driver.feed(*t.app, "early", 0);
    EXPECT_EQ(t.driver.out, "");
    t.app->on_peer_eof(kMs);
    EXPECT_FALSE(t.app->finished()) << "the client's EOF is kept until the delay ends";
    ASSERT_EQ(t.app->wake_at(), 100 * kMs);
    t.app->on_timer(100 * kMs);
    t.driver.drain(*t.app, 100 * kMs);
    EXPECT_EQ(t.driver.out, "early");
    EXPECT_TRUE(t.app->finished());
    EXPECT_TRUE(t.app->failure().empty());
}
