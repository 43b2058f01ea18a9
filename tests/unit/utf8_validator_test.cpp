// The incremental UTF-8 check against a reference decoder on every 1-, 2- and 3-byte
// sequence and the 4-byte edges, and on samples cut at every byte: a verdict never
// depends on the cuts, and a failure comes at the first bad byte, not later.
#include "core/utf8_validator.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace {

using echo::core::utf8_validator;
using namespace std::string_literals;

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span{s}); }

// Decodes code points by value (not by byte ranges, as the validator does):
// the index of the first byte that shows the text invalid, text.size() when it
// ends inside a code point, nullopt when valid.
std::optional<std::size_t> reference_first_bad(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (lead < 0x80) { ++i; continue; }
        if ((lead & 0xe0) == 0xc0) { extra = 1; cp = lead & 0x1f; }
        else if ((lead & 0xf0) == 0xe0) { extra = 2; cp = lead & 0x0f; }
        else if ((lead & 0xf8) == 0xf0) { extra = 3; cp = lead & 0x07; }
        else return i;
        const std::uint32_t min[] = {0, 0x80, 0x800, 0x10000};
        for (std::size_t k = 0; k <= extra; ++k) {
            if (k > 0) {
                if (i + k == text.size()) return text.size();
                const auto c = static_cast<unsigned char>(text[i + k]);
                if ((c & 0xc0) != 0x80) return i + k;
                cp = cp << 6 | (c & 0x3f);
            }
            // The first byte after which no continuation can make the code point
            // valid: every value still possible is overlong, a surrogate or too big.
            const std::size_t left = extra - k;
            const std::uint32_t low = cp << (6 * left), high = low | ((1u << (6 * left)) - 1);
            if (high < min[extra] || low > 0x10ffff || (low >= 0xd800 && high <= 0xdfff)) return i + k;
        }
        i += extra + 1;
    }
    return std::nullopt;
}

// The index at which the validator fails, size() when the text ends unfinished,
// nullopt when valid; fed in pieces of `step` bytes.
std::optional<std::size_t> validator_first_bad(std::string_view text, std::size_t step) {
    utf8_validator v;
    for (std::size_t i = 0; i < text.size(); i += step) {
        const auto piece = text.substr(i, step);
        if (!v.feed(bytes_of(piece))) {
            // Fail fast: the piece's last byte is the bad one when fed byte by byte.
            return step == 1 ? std::optional{i} : std::optional{i + piece.size() - 1};
        }
    }
    return v.complete() ? std::nullopt : std::optional{text.size()};
}

void expect_agrees(const std::string& text) {
    const auto want = reference_first_bad(text);
    const auto got = validator_first_bad(text, 1);
    // Whole, the byte-wise answer only tells valid from invalid.
    ASSERT_EQ(got, want) << testing::PrintToString(text);
    utf8_validator whole;
    const bool fed = whole.feed(bytes_of(text));
    EXPECT_EQ(fed && whole.complete(), !want.has_value());
}

TEST(Utf8Validator, EveryOneAndTwoByteSequenceAgreesWithTheReference) {
    for (int a = 0; a < 256; ++a) {
        expect_agrees(std::string(1, static_cast<char>(a)));
        for (int b = 0; b < 256; ++b) expect_agrees({static_cast<char>(a), static_cast<char>(b)});
    }
}

TEST(Utf8Validator, EveryThreeByteSequenceFromALeadAgreesWithTheReference) {
    for (int a = 0xc0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            for (int c = 0; c < 256; ++c) {
                std::string text{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
                if (reference_first_bad(text) != validator_first_bad(text, 1)) {
                    FAIL() << std::hex << a << ' ' << b << ' ' << c;
                }
            }
        }
    }
}

TEST(Utf8Validator, FourByteEdgesAgreeWithTheReference) {
    for (int a = 0xf0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            for (int c : {0x41, 0x80, 0xbf, 0xc0}) {
                for (int d : {0x41, 0x80, 0xbf, 0xc0}) {
                    expect_agrees({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                                   static_cast<char>(d)});
                }
            }
        }
    }
}

const std::string kValid[] = {
    "", "Hello-µ@ßöäüàá-UTF-8!!", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",  // κόσμε
    "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80", "\xf0\x90\x80\x80",
    "\xc2\x80", std::string(40, 'a') + "\xe2\x82\xac" + std::string(17, 'b')};
const std::string kInvalid[] = {
    "\xc0\x80", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80",
    "\xf5\x80\x80\x80", "\xff", "\x80", "abc\xbf", "\xe0\xa0", "\xce\xba\xe1\xbd",
    std::string(40, 'a') + "\xe2\x28\xa1", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80" "edited"};

TEST(Utf8Validator, SamplesCutAtEveryByteGiveTheSameVerdict) {
    using list = std::span<const std::string>;
    for (list texts : {list{kValid}, list{kInvalid}}) {
        for (const std::string& text : texts) {
            const bool valid = !reference_first_bad(text).has_value();
            EXPECT_EQ(valid, texts.data() == kValid) << testing::PrintToString(text);
            for (std::size_t cut = 0; cut <= text.size(); ++cut) {
                utf8_validator v;
                const bool ok = v.feed(bytes_of(std::string_view{text}.substr(0, cut))) &&
                                v.feed(bytes_of(std::string_view{text}.substr(cut)));
                EXPECT_EQ(ok && v.complete(), valid) << testing::PrintToString(text) << " cut " << cut;
            }
            for (std::size_t step = 1; step <= 9; ++step) {
                EXPECT_EQ(validator_first_bad(text, step).has_value(), !valid) << step;
            }
        }
    }
}

TEST(Utf8Validator, StaysFailedUntilReset) {
    utf8_validator v;
    EXPECT_FALSE(v.feed(bytes_of("\xff")));
    EXPECT_TRUE(v.failed());
    EXPECT_FALSE(v.feed(bytes_of("abc")));
    EXPECT_FALSE(v.complete());
    v.reset();
    EXPECT_TRUE(v.feed(bytes_of("abc")));
    EXPECT_TRUE(v.complete());
}

}  // namespace
