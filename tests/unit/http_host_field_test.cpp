// The Host field rules of RFC 9112 3.2 on their own: which values are uri-host
// [":" port] (RFC 3986), and how many Host lines a head may hold.
#include "core/http_host_field.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using echo::core::host_fields_acceptable;
using echo::core::http_header;
using echo::core::is_valid_host_value;

TEST(HttpHostField, ValuesThatAreUriHostAndPort) {
    for (const std::string value :
         {"", "h", "a.example", "a.example:8080", "a.example:", "a.example:0", "a.example:65535",
          "a.example:00080", ":80", "127.0.0.1", "127.0.0.1:80", "999.1.1.1", "xn--bcher-kva.ch",
          "%41b%7e", "a-b_c~d!$&'()*+,;=", "[::1]", "[::1]:443", "[2001:db8::ffff:192.0.2.1]",
          "[v1.a:b]", "[V7f.x]:1"}) {
        EXPECT_TRUE(is_valid_host_value(value)) << value;
    }
}

TEST(HttpHostField, ValuesThatAreNot) {
    const std::vector<std::string> values{
        " h", "h ", "a b", "a\tb", "a/b", "/", "user@h", "u:p@h", "h?q", "h#f", "h\\x",
        "h\"", "h<", "h%", "h%4", "h%4g", "caf\xc3\xa9", std::string{"a\0b", 3}, "a\x7f",
        "h:x", "h:80x", "h:-1", "h:+80", "h: 80", "h:65536", "h:99999999999999999999",
        "h:1:2", "::1", "[::1", "::1]", "[::1]]", "[[::1]]", "[::1]x", "[::1]:x",
        "[::1]:65536", "[]", "[zz]", "[::1%25eth0]", "[127.0.0.1]", "[v.x]", "[v1.]",
        "[v1x]", "[vg.x]", "a]b", "a[b"};
    for (const auto& value : values) {
        EXPECT_FALSE(is_valid_host_value(value)) << value;
    }
}

TEST(HttpHostField, ExactlyOneHostLineOrNoneWhenNotRequired) {
    const std::vector<http_header> none{{"X-Host", "h"}, {"Hosts", "h"}};
    EXPECT_FALSE(host_fields_acceptable(none, true));
    EXPECT_TRUE(host_fields_acceptable(none, false));
    const std::vector<http_header> one{{"A", "1"}, {"hoST", "h:1"}};
    EXPECT_TRUE(host_fields_acceptable(one, true));
    EXPECT_TRUE(host_fields_acceptable(one, false));
    const std::vector<http_header> two{{"Host", "h"}, {"A", "1"}, {"HOST", "h"}};
    EXPECT_FALSE(host_fields_acceptable(two, true));
    EXPECT_FALSE(host_fields_acceptable(two, false));
    const std::vector<http_header> bad{{"Host", "h/x"}};
    EXPECT_FALSE(host_fields_acceptable(bad, true));
    EXPECT_FALSE(host_fields_acceptable(bad, false));
}
