// A udp listener's fault keys: each read through quantity_text, refused with a
// reason when out of range, and only on udp listeners.
#include "core/listen_url.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using echo::core::datagram_faults;
using echo::core::listen_url;
using echo::core::listen_url_error;
using echo::core::parse_listen_url;
using echo::core::take_datagram_fault_key;

namespace {

std::string error_of(const char* text) {
    auto r = parse_listen_url(text);
    return std::holds_alternative<listen_url_error>(r) ? std::get<listen_url_error>(r).message
                                                       : "(accepted)";
}

}  // namespace

TEST(DatagramFaults, EveryKeyOnAUdpListener) {
    auto r = parse_listen_url(
        "udp://127.0.0.1:0?drop=0.1&dup=.2&reorder=0.25&delay=20ms&corrupt=1&jitter=5ms"
        "&rate=64KiB&seed=42");
    ASSERT_TRUE(std::holds_alternative<listen_url>(r)) << std::get<listen_url_error>(r).message;
    const auto& f = std::get<listen_url>(r).udp_faults;
    ASSERT_TRUE(f);
    EXPECT_DOUBLE_EQ(f->drop, 0.1);
    EXPECT_DOUBLE_EQ(f->dup, 0.2);
    EXPECT_DOUBLE_EQ(f->reorder, 0.25);
    EXPECT_DOUBLE_EQ(f->corrupt, 1.0);
    EXPECT_EQ(f->delay, 20ms);
    EXPECT_EQ(f->jitter, 5ms);
    EXPECT_EQ(f->rate, 65536U);
    EXPECT_EQ(f->seed, 42U);
    EXPECT_TRUE(f->any());
}

TEST(DatagramFaults, NoKeyNoFaults) {
    auto r = parse_listen_url("udp://127.0.0.1:0");
    EXPECT_FALSE(std::get<listen_url>(r).udp_faults);
    r = parse_listen_url("udp://127.0.0.1:0?seed=1&drop=0");
    const auto& f = std::get<listen_url>(r).udp_faults;
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->any());  // a seed alone, or zeros, fault nothing
}

TEST(DatagramFaults, OutOfRangeValuesAreRefusedWithTheKey) {
    const std::pair<const char*, const char*> cases[] = {
        {"udp://127.0.0.1:0?drop=1.5", "drop must be a probability"},
        {"udp://127.0.0.1:0?dup=-0.1", "dup must be a probability"},
        {"udp://127.0.0.1:0?corrupt=x", "corrupt must be a probability"},
        {"udp://127.0.0.1:0?delay=61s", "delay must be a duration (250ms, 1.5s) of at most 60 s"},
        {"udp://127.0.0.1:0?jitter=5h", "jitter must be a duration"},
        {"udp://127.0.0.1:0?rate=0",
         "rate must be bytes per second (4096, 64KiB, 1MiB/s) from 1 to 16GiB"},
        {"udp://127.0.0.1:0?rate=10KB", "rate must be bytes per second"},
        {"udp://127.0.0.1:0?seed=-1", "seed must be a whole number"},
        {"udp://127.0.0.1:0?reorder=0.5", "reorder needs delay="},
    };
    for (const auto& [url, why] : cases) {
        const auto message = error_of(url);
        EXPECT_NE(message.find(why), std::string::npos) << url << ": " << message;
    }
}

TEST(DatagramFaults, NotTakenOnStreamListeners) {
    EXPECT_NE(error_of("unix:/tmp/x?drop=0.1").find("unknown option"), std::string::npos)
        << error_of("unix:/tmp/x?drop=0.1");
    EXPECT_NE(error_of("tcp://127.0.0.1:0?corrupt=1").find("unknown option"), std::string::npos);
    std::optional<datagram_faults> f;
    EXPECT_FALSE(take_datagram_fault_key("nodelay", "1", f));
    EXPECT_FALSE(f);
    EXPECT_EQ(take_datagram_fault_key("drop", "0.5", f), std::string{});
    EXPECT_TRUE(f);
}
