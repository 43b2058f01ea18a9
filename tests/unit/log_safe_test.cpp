// log_safe: what a peer sends cannot end a log line, split a key=value pair or a
// list, or put invalid UTF-8 into the JSON log.
#include "core/log_safe.hpp"

#include <gtest/gtest.h>

using echo::core::log_safe;

TEST(LogSafe, KeepsPrintableNamesAsTheyAre) {
    EXPECT_EQ(log_safe("www.example.test"), "www.example.test");
    EXPECT_EQ(log_safe("/CN=alice/O=x"), "/CN=alice/O=x");
    EXPECT_EQ(log_safe("http/1.1"), "http/1.1");
    EXPECT_EQ(log_safe(""), "");
}

TEST(LogSafe, EscapesLineBreaksSeparatorsAndNonAscii) {
    EXPECT_EQ(log_safe("evil\n2026 info FORGED"), "evil\\x0a2026\\x20info\\x20FORGED");
    EXPECT_EQ(log_safe("a\"b\\c,d\re"), "a\\x22b\\x5cc\\x2cd\\x0de");
    EXPECT_EQ(log_safe(std::string_view{"\xff\x7f\x00", 3}), "\\xff\\x7f\\x00");
}

TEST(LogSafe, EscapedTextIsNeverTakenForAnEscape) {
    // A peer that sends the text "\x0a" gets its backslash escaped, so the log
    // shows it differently from a real line feed.
    EXPECT_EQ(log_safe("\\x0a"), "\\x5cx0a");
    EXPECT_NE(log_safe("\\x0a"), log_safe("\n"));
}

TEST(OneLine, KeepsSpacesAndUtf8ButEscapesControlBytes) {
    using echo::core::one_line;
    EXPECT_EQ(one_line("bad value 'tcp://h:1' for --listen"), "bad value 'tcp://h:1' for --listen");
    EXPECT_EQ(one_line("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(one_line(std::string_view{"a\nb\x1b[2Jc\x00" "d\x7f", 11}), "a\\x0ab\\x1b[2Jc\\x00d\\x7f");
}
