// Fault keys: each documented form is taken on every stream listener, a near miss
// or a value past its cap is refused naming the key, and datagram listeners refuse
// the stream-only keys.
#include "core/listen_url.hpp"
#include "core/stream_faults.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

using namespace std::chrono_literals;
using echo::core::fault_direction;
using echo::core::jitter_distribution;
using echo::core::listen_url;
using echo::core::listen_url_error;
using echo::core::parse_listen_url;
using echo::core::stream_faults;

namespace {

std::optional<stream_faults> faults_of(const std::string& url) {
    auto r = parse_listen_url(url);
    if (auto* e = std::get_if<listen_url_error>(&r)) {
        ADD_FAILURE() << e->message;
        return std::nullopt;
    }
    return std::get<listen_url>(r).faults;
}

std::string error_of(const std::string& url) {
    auto r = parse_listen_url(url);
    return std::holds_alternative<listen_url_error>(r) ? std::get<listen_url_error>(r).message
                                                       : "(accepted)";
}

}  // namespace

TEST(StreamFaults, EveryKeyIsTaken) {
    const auto f = faults_of(
        "tcp://127.0.0.1:0?faults_dir=both&delay=200ms&jitter=50ms&jitter_dist=pareto&rate=1MiB"
        "&rate_total=10MiB/s&slice=100,20,5ms&reset_after=10KiB&stall_after=1MiB&stall_for=2s"
        "&slow_close=1s&accept_delay=250ms&refuse=0.25&toxicity=0.5&seed=42");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->direction, fault_direction::both);
    EXPECT_EQ(f->delay, 200ms);
    EXPECT_EQ(f->jitter, 50ms);
    EXPECT_EQ(f->jitter_dist, jitter_distribution::pareto);
    EXPECT_EQ(f->rate, 1u << 20);
    EXPECT_EQ(f->rate_total, 10u << 20);
    EXPECT_EQ(f->slice_average, 100u);
    EXPECT_EQ(f->slice_variation, 20u);
    EXPECT_EQ(f->slice_gap, 5ms);
    EXPECT_EQ(f->reset_after, 10240u);
    EXPECT_FALSE(f->close_after);
    EXPECT_EQ(f->stall_after, 1u << 20);
    EXPECT_EQ(f->stall_for, 2s);
    EXPECT_EQ(f->slow_close, 1s);
    EXPECT_EQ(f->accept_delay, 250ms);
    EXPECT_DOUBLE_EQ(f->refuse, 0.25);
    EXPECT_DOUBLE_EQ(f->toxicity, 0.5);
    EXPECT_EQ(f->seed, 42u);
    EXPECT_TRUE(f->any());
}

TEST(StreamFaults, EveryStreamSchemeTakesThem) {
    for (const char* base : {"tcp://127.0.0.1:0", "unix:/tmp/x.sock", "http://127.0.0.1:0",
                             "tls://127.0.0.1:0?cert=/c&key=/k",
                             "https://127.0.0.1:0?cert=/c&key=/k", "unix+tls:/tmp/y?cert=/c&key=/k"}) {
        const auto f = faults_of(std::string{base} +
                                 (std::string{base}.find('?') == std::string::npos ? "?" : "&") +
                                 "close_after=10KiB");
        ASSERT_TRUE(f) << base;
        EXPECT_EQ(f->close_after, 10240u) << base;
    }
}

TEST(StreamFaults, DefaultsAndNoFaults) {
    EXPECT_FALSE(faults_of("tcp://127.0.0.1:0"));
    // Keys that choose nothing wrong by themselves leave the listener undecorated.
    const auto f = faults_of("tcp://127.0.0.1:0?seed=7&toxicity=0.5&faults_dir=in");
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->any());
    const auto slice = faults_of("tcp://127.0.0.1:0?slice=100,0");
    ASSERT_TRUE(slice);
    EXPECT_EQ(slice->slice_gap, echo::core::kDefaultSliceGap);
    EXPECT_EQ(faults_of("tcp://127.0.0.1:0?rate=512/s")->rate, 512u);
    EXPECT_EQ(faults_of("tcp://127.0.0.1:0?close_after=0")->close_after, 0u);
}

TEST(StreamFaults, EachCapItselfIsTaken) {
    const auto f = faults_of(
        "tcp://127.0.0.1:0?close_after=1TiB&stall_after=1099511627776&stall_for=60m"
        "&slow_close=1h&delay=1m&jitter=60s&accept_delay=60000ms&rate=16GiB/s&rate_total=16GiB");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->close_after, echo::core::kMaxFaultCount);
    EXPECT_EQ(f->stall_after, echo::core::kMaxFaultCount);
    EXPECT_EQ(f->stall_for, echo::core::kMaxFaultHold);
    EXPECT_EQ(f->slow_close, echo::core::kMaxFaultHold);
    EXPECT_EQ(f->delay, echo::core::kMaxFaultDelay);
    EXPECT_EQ(f->jitter, echo::core::kMaxFaultDelay);
    EXPECT_EQ(f->accept_delay, echo::core::kMaxFaultDelay);
    EXPECT_EQ(f->rate, echo::core::kMaxFaultRate);
    EXPECT_EQ(f->rate_total, echo::core::kMaxFaultRate);
    EXPECT_EQ(faults_of("tcp://127.0.0.1:0?reset_after=1024GiB")->reset_after,
              echo::core::kMaxFaultCount);
}

TEST(StreamFaults, NearMissesAndCapsAreRefusedNamingTheKey) {
    const std::pair<const char*, const char*> cases[] = {
        {"delay=10", "delay must be a duration"},        // 10 s is fine: see below
        {"delay=2m", "delay must be a duration"},
        {"delay=-1ms", "delay must be a duration"},
        {"jitter=1h", "jitter must be a duration"},
        {"jitter_dist=gauss", "jitter_dist must be"},
        {"faults_dir=up", "faults_dir must be"},
        {"rate=0", "rate must be bytes per second"},
        {"rate=1MB", "rate must be bytes per second"},
        {"slow_close=61m",
         "slow_close must be a duration (250ms, 1.5s) of at most 3600 s"},
        {"rate_total=17GiB", "rate_total must be bytes"},
        {"slice=100", "slice must be"},
        {"slice=100,100", "slice must be"},
        {"slice=0,0", "slice must be"},
        {"slice=2MiB,1", "slice must be"},
        {"slice=100,20,2m", "slice must be"},
        {"slice=100,20,5ms,1", "slice must be"},
        {"close_after=2TiB", "close_after must be bytes (4096, 10KiB, 1MiB) of at most 1TiB"},
        {"close_after=1099511627777", "close_after must be bytes"},
        {"reset_after=-1", "reset_after must be bytes"},
        {"stall_after=x", "stall_after must be bytes"},
        {"stall_for=2h", "stall_for must be a duration"},
        {"slow_close=1d", "slow_close must be a duration"},
        {"accept_delay=61s", "accept_delay must be a duration"},
        {"refuse=1.5", "refuse must be a probability"},
        {"toxicity=-0.1", "toxicity must be a probability"},
        {"seed=-1", "seed must be a whole number"},
        {"close_after=1&reset_after=2", "give one"},
        {"stall_for=1s", "stall_for needs stall_after"},
    };
    for (const auto& [query, why] : cases) {
        const auto message = error_of(std::string{"tcp://127.0.0.1:0?"} + query);
        if (std::string_view{query} == "delay=10") {
            EXPECT_EQ(message, "(accepted)");
            continue;
        }
        EXPECT_NE(message.find(why), std::string::npos) << query << ": " << message;
    }
}

TEST(StreamFaults, DatagramListenersRefuseStreamKeys) {
    for (const char* key : {"close_after=1", "slice=100,20", "slow_close=1s", "toxicity=0.5"}) {
        EXPECT_NE(error_of(std::string{"udp://127.0.0.1:0?"} + key), "(accepted)") << key;
    }
}

TEST(StreamFaults, TakeKeyLeavesOtherKeysAlone) {
    std::optional<stream_faults> f;
    EXPECT_FALSE(echo::core::take_stream_fault_key("backlog", "5", f));
    EXPECT_FALSE(f);
    EXPECT_EQ(echo::core::take_stream_fault_key("delay", "1ms", f), std::string{});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->delay, 1ms);
}

// What a change changed, key by key, and which of those keys open connections take.
TEST(StreamFaults, ChangedKeysNameEveryKeyThatDiffers) {
    const auto all = faults_of(
        "tcp://127.0.0.1:0?faults_dir=both&delay=200ms&jitter=50ms&jitter_dist=pareto&rate=1MiB"
        "&rate_total=10MiB/s&slice=100,20,5ms&close_after=10KiB&stall_after=1MiB&stall_for=2s"
        "&slow_close=1s&accept_delay=250ms&refuse=0.25&toxicity=0.5&seed=42");
    ASSERT_TRUE(all);
    auto with_reset = *all;
    with_reset.close_after.reset();
    with_reset.reset_after = 1;
    const std::vector<std::string_view> every{
        "faults_dir",  "delay",       "jitter",      "jitter_dist", "rate",
        "rate_total",  "slice",       "close_after", "stall_after", "stall_for",
        "slow_close",  "accept_delay", "refuse",     "toxicity",    "seed"};
    EXPECT_EQ(echo::core::changed_stream_fault_keys(stream_faults{}, *all), every);
    EXPECT_EQ(echo::core::changed_stream_fault_keys(*all, stream_faults{}), every);
    EXPECT_TRUE(echo::core::changed_stream_fault_keys(*all, *all).empty());
    EXPECT_EQ(echo::core::changed_stream_fault_keys(*all, with_reset),
              (std::vector<std::string_view>{"close_after", "reset_after"}));
    auto gap = *all;
    gap.slice_gap = 6ms;
    EXPECT_EQ(echo::core::changed_stream_fault_keys(*all, gap),
              std::vector<std::string_view>{"slice"});

    std::vector<std::string_view> open;
    for (const auto k : every) {
        if (echo::core::reaches_open_connections(k)) {
            open.push_back(k);
        }
    }
    EXPECT_EQ(open, (std::vector<std::string_view>{"delay", "jitter", "jitter_dist", "rate",
                                                   "rate_total", "slice", "slow_close"}));
}
