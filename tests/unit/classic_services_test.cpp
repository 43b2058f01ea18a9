// The classic services besides the echo: chargen's pattern, the clock replies, the
// UDP answers and their amplification bound, and the stream applications driven
// as the worker drives them.
#include "core/address_range.hpp"
#include "core/chargen_pattern.hpp"
#include "core/clock_replies.hpp"
#include "core/datagram_service.hpp"
#include "services/chargen_application.hpp"
#include "services/discard_application.hpp"
#include "services/one_reply_application.hpp"
#include "services/service_app_factory.hpp"
#include "support/app_driver.hpp"
#include "split_points.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace core = echo::core;
namespace services = echo::services;
using echo::testing::app_driver;

namespace {

std::string text_of(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// RFC 864's pattern written out the obvious way, one line at a time.
std::string reference_chargen(std::size_t lines) {
    std::string out;
    for (std::size_t line = 0; line < lines; ++line) {
        for (std::size_t col = 0; col < 72; ++col) {
            out += static_cast<char>(' ' + (line + col) % 95);
        }
        out += "\r\n";
    }
    return out;
}

core::peer_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    const std::uint8_t bytes[4] = {a, b, c, d};
    return core::peer_address::ipv4(bytes);
}

std::span<const std::byte> bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace

TEST(ChargenPattern, IsTheRfcPatternFromEveryPosition) {
    const auto reference = reference_chargen(2 * 95 + 3);
    EXPECT_EQ(reference.substr(0, 74),
              " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n");
    EXPECT_EQ(reference.substr(74, 3), "!\"#");
    EXPECT_EQ(core::kChargenPeriod, 7030U);
    for (std::size_t position = 0; position < reference.size() - 200; position += 7) {
        EXPECT_EQ(text_of(core::chargen_view(position, 200)), reference.substr(position, 200))
            << position;
    }
    // The stream repeats after one period, and a position far along wraps into it.
    EXPECT_EQ(text_of(core::chargen_view(core::kChargenPeriod + 5, 100)), reference.substr(5, 100));
    EXPECT_EQ(text_of(core::chargen_view(1'000'000'000'000ULL, 10)),
              reference.substr(1'000'000'000'000ULL % 7030, 10));
}

TEST(ChargenPattern, ViewsAreCappedAndContiguousAtTheLongest) {
    const auto longest = core::chargen_view(core::kChargenPeriod - 1, SIZE_MAX);
    ASSERT_EQ(longest.size(), core::kChargenMaxView);
    const auto reference = reference_chargen(core::kChargenMaxView / 74 + 200);
    EXPECT_EQ(text_of(longest), reference.substr(core::kChargenPeriod - 1, core::kChargenMaxView));
    EXPECT_TRUE(core::chargen_view(3, 0).empty());
}

TEST(ClockReplies, DaytimeIsRfc867TextInUtc) {
    EXPECT_EQ(text_of(core::daytime_at(0).view()), "Thursday, January 1, 1970 00:00:00-UTC\r\n");
    // 2026-12-04 19:34:25 UTC.
    EXPECT_EQ(text_of(core::daytime_at(1'796'412'865).view()),
              "Friday, December 4, 2026 19:34:25-UTC\r\n");
    // The longest line (weekday and month names) fits.
    EXPECT_EQ(text_of(core::daytime_at(1'790'812'799).view()),
              "Wednesday, September 30, 2026 23:59:59-UTC\r\n");
    EXPECT_EQ(text_of(core::daytime_at(-1).view()), "Wednesday, December 31, 1969 23:59:59-UTC\r\n");
}

TEST(ClockReplies, TimeIsBigEndianSecondsSince1900) {
    const auto bytes = [](std::int64_t t) {
        const auto b = core::time_at(t);
        return std::vector<int>{int(b[0]), int(b[1]), int(b[2]), int(b[3])};
    };
    EXPECT_EQ(bytes(0), (std::vector<int>{0x83, 0xAA, 0x7E, 0x80}));  // 2208988800
    EXPECT_EQ(bytes(-core::kSeconds1900To1970), (std::vector<int>{0, 0, 0, 0}));
    // It wraps on 2036-02-07 06:28:16 UTC, as RFC 868 clients expect.
    EXPECT_EQ(bytes(2'085'978'496), (std::vector<int>{0, 0, 0, 0}));
    EXPECT_EQ(bytes(2'085'978'495), (std::vector<int>{0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(DatagramService, EchoDiscardAndClocks) {
    const auto request = bytes_of("hello");
    const auto peer = v4(192, 0, 2, 1);
    core::datagram_service echo{core::service_kind::echo, {}};
    EXPECT_EQ(text_of(*echo.reply(request, peer)), "hello");
    core::datagram_service discard{core::service_kind::discard, {}};
    EXPECT_FALSE(discard.reply(request, peer).has_value());
    EXPECT_FALSE(discard.tells_time());
    core::datagram_service daytime{core::service_kind::daytime, {}};
    ASSERT_TRUE(daytime.tells_time());
    daytime.set_time(0);
    EXPECT_EQ(text_of(*daytime.reply({}, peer)), "Thursday, January 1, 1970 00:00:00-UTC\r\n");
    core::datagram_service time{core::service_kind::time, {}};
    time.set_time(0);
    EXPECT_EQ(text_of(*time.reply(request, peer)), "\x83\xAA\x7E\x80");
}

// CERT CA-1996-01: an unlisted (possibly forged) source never gets more bytes than
// it sent; a listed one gets RFC 864's 512.
TEST(DatagramService, ChargenNeverAmplifiesForAnUnlistedSource) {
    std::vector<core::address_range> listed{*core::parse_address_range("127.0.0.2"),
                                            *core::parse_address_range("2001:db8::/32")};
    core::datagram_service chargen{core::service_kind::chargen, listed};
    const std::string big(2000, 'x');
    for (std::size_t size : {0, 1, 73, 511, 512, 513, 2000}) {
        const auto r = chargen.reply(bytes_of(std::string_view{big}.substr(0, size)), v4(127, 0, 0, 1));
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->size(), std::min<std::size_t>(size, 512)) << size;
    }
    EXPECT_EQ(chargen.reply({}, v4(127, 0, 0, 2))->size(), 512U);
    const std::uint8_t doc[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    EXPECT_EQ(chargen.reply(bytes_of("x"), core::peer_address::ipv6(doc))->size(), 512U);
    // Each reply starts one line further on, as the stream's lines do.
    core::datagram_service fresh{core::service_kind::chargen, listed};
    const auto reference = reference_chargen(3);
    EXPECT_EQ(text_of(*fresh.reply({}, v4(127, 0, 0, 2))).substr(0, 74), reference.substr(0, 74));
    EXPECT_EQ(text_of(*fresh.reply({}, v4(127, 0, 0, 2))).substr(0, 74), reference.substr(74, 74));
}

TEST(DiscardApplication, DropsEverythingAndEndsWithThePeer) {
    const std::string input = "discard me, every byte of me";
    const auto counted = echo::test::same_at_every_split(bytes_of(input), [](const auto& pieces) {
        app_driver driver{SIZE_MAX, 4};
        services::discard_application app;
        for (const auto piece : pieces) {
            driver.feed(app, text_of(piece));
            if (app.held_chunks() != 0 || !app.wants_input() || app.finished()) {
                return std::string{"held or refused"};
            }
        }
        app.on_peer_eof(0);
        return std::to_string(app.bytes_received()) + " in, " + driver.out + "|" +
               (app.finished() ? "finished" : "open");
    });
    EXPECT_EQ(counted, std::to_string(input.size()) + " in, |finished");
}

TEST(ChargenApplication, StreamsThePatternAcrossPartialSends) {
    app_driver driver{1000};  // the socket takes 1000 bytes at a time
    services::chargen_application app;
    driver.feed(app, "ignored", 1);
    const auto reference = reference_chargen(1000);
    ASSERT_EQ(driver.out.size(), services::chargen_application::kTurnBudget);
    EXPECT_EQ(driver.out, reference.substr(0, driver.out.size()));
    EXPECT_EQ(app.bytes_received(), 7U);
    EXPECT_EQ(app.bytes_sent(), driver.out.size());
    EXPECT_EQ(app.held_chunks(), 0U);
    EXPECT_FALSE(app.finished());
}

// One client that reads at loopback speed gets one budget per loop turn, then
// waits for the timer phase; a client that reads nothing is offered one view and
// nothing more, whatever the application is asked.
TEST(ChargenApplication, YieldsEachTurnAndOffersNothingMoreWhileASendWaits) {
    services::chargen_application app;
    EXPECT_FALSE(app.wake_at());
    app_driver driver;
    driver.drain(app, 50);
    EXPECT_EQ(driver.out.size(), services::chargen_application::kTurnBudget);
    EXPECT_TRUE(app.begin_send().empty());
    ASSERT_EQ(app.wake_at(), 50);
    app.on_timer(51);
    EXPECT_FALSE(app.wake_at());
    driver.drain(app, 52);
    EXPECT_EQ(driver.out.size(), 2 * services::chargen_application::kTurnBudget);
    EXPECT_EQ(driver.out, reference_chargen(driver.out.size() / 74 + 1).substr(0, driver.out.size()));

    services::chargen_application stalled;
    const auto first = stalled.begin_send();
    EXPECT_FALSE(first.empty());
    for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(stalled.begin_send().empty());
    }
    EXPECT_EQ(stalled.held_chunks(), 0U);
}

TEST(ChargenApplication, StopsAtTheDrainOnceItsSendLeft) {
    services::chargen_application app;
    const auto span = app.begin_send();
    app.on_shutdown(0);
    EXPECT_FALSE(app.finished());  // a send is in flight
    app.on_sent(span.size() / 2, 0);
    EXPECT_TRUE(app.finished());
    EXPECT_TRUE(app.begin_send().empty());
    EXPECT_EQ(app.failure(), "server draining");
}

TEST(OneReplyApplication, SaysItsReplyThenReadsTheClientAwayUntilItsEof) {
    for (std::size_t limit : {1, 3, 100}) {
        app_driver driver{limit};
        services::one_reply_application app{bytes_of("Thursday, January 1, 1970 00:00:00-UTC\r\n")};
        EXPECT_FALSE(app.said_all());
        EXPECT_TRUE(app.failure().empty());
        driver.give(app, "hi\n", 0);
        driver.drain(app);
        EXPECT_EQ(driver.out, "Thursday, January 1, 1970 00:00:00-UTC\r\n") << limit;
        EXPECT_TRUE(app.said_all()) << "the worker ends the sending side here";
        // Closing now, with the client's bytes unread, would answer them with a reset.
        EXPECT_FALSE(app.finished());
        ASSERT_TRUE(app.wake_at());
        driver.give(app, "more", 1'000);
        EXPECT_FALSE(app.finished());
        app.on_peer_eof(2'000);
        EXPECT_TRUE(app.finished());
        EXPECT_FALSE(app.failure().empty());
        EXPECT_EQ(app.bytes_sent(), driver.out.size());
        EXPECT_EQ(app.bytes_received(), 7U);
    }
}

TEST(OneReplyApplication, AClientThatNeverClosesIsCutOffInTimeOrBytes) {
    using services::one_reply_application;
    app_driver driver;
    one_reply_application slow{bytes_of("now\r\n")};
    driver.drain(slow, 10);
    ASSERT_EQ(slow.wake_at(), 10 + one_reply_application::kLingerNs);
    slow.on_timer(9 + one_reply_application::kLingerNs);
    EXPECT_FALSE(slow.finished());
    slow.on_timer(10 + one_reply_application::kLingerNs);
    EXPECT_TRUE(slow.finished());
    EXPECT_FALSE(slow.wake_at());

    one_reply_application flood{bytes_of("now\r\n")};
    driver.drain(flood, 10);
    const std::string block(64, 'f');
    std::uint64_t given = 0;
    for (; !flood.finished() && given < 2 * one_reply_application::kLingerBytes; given += 64) {
        driver.give(flood, block, 20);
    }
    EXPECT_TRUE(flood.finished());
    EXPECT_EQ(given, one_reply_application::kLingerBytes);
}

TEST(ServiceAppFactory, ClockServicesReadTheWallClockFromTheContext) {
    echo::pipeline::app_context context;
    context.now = 5'000'000'000;
    context.wall_offset_ns = 1'796'412'865'000'000'000 - 5'000'000'000 + 999'999'999;
    const services::service_app_factory daytime{core::service_kind::daytime};
    EXPECT_TRUE(daytime.wants_context());
    auto app = daytime.make(context);
    ASSERT_TRUE(app);
    app_driver driver;
    driver.drain(*app);
    EXPECT_EQ(driver.out, "Friday, December 4, 2026 19:34:25-UTC\r\n");

    const services::service_app_factory time{core::service_kind::time};
    app_driver time_driver;
    auto t = time.make(context);
    time_driver.drain(*t);
    EXPECT_EQ(time_driver.out.size(), 4U);
    EXPECT_TRUE(t->said_all());

    const services::service_app_factory discard{core::service_kind::discard};
    EXPECT_FALSE(discard.wants_context());
    EXPECT_TRUE(discard.make({}));
    EXPECT_TRUE(services::service_app_factory{core::service_kind::chargen}.make({}));
}
