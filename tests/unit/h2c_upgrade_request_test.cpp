// Which HTTP/1.1 requests ask for h2c in full, and the settings they carry.
#include "core/h2c_upgrade_request.hpp"

#include <gtest/gtest.h>

namespace echo::core {
namespace {

http_request with(std::vector<http_header> headers, unsigned minor = 1) {
    http_request q;
    q.version_minor = minor;
    q.headers = std::move(headers);
    return q;
}

TEST(H2cUpgradeRequest, AsksInFullOrNotAtAll) {
    const http_header upgrade{"upgrade", "foo, H2C"};
    const http_header connection{"Connection", "keep-alive, Upgrade, http2-settings"};
    const http_header settings{"HTTP2-Settings", "AAMAAABkAAQAAP__"};
    const auto payload = h2c_settings_of(with({upgrade, connection, settings}));
    ASSERT_TRUE(payload);
    EXPECT_EQ(*payload, std::string("\x00\x03\x00\x00\x00\x64\x00\x04\x00\x00\xff\xff", 12));
    EXPECT_EQ(h2c_settings_of(with({upgrade, connection, {"HTTP2-Settings", ""}})), "");
    EXPECT_FALSE(h2c_settings_of(with({upgrade, connection})));
    EXPECT_FALSE(h2c_settings_of(with({upgrade, connection, settings, settings})));
    EXPECT_FALSE(h2c_settings_of(with({connection, settings})));
    EXPECT_FALSE(h2c_settings_of(with({upgrade, {"Connection", "Upgrade"}, settings})));
    EXPECT_FALSE(h2c_settings_of(with({upgrade, connection, settings}, 0)));
    EXPECT_FALSE(h2c_settings_of(with({upgrade, connection, {"HTTP2-Settings", "AAMAAABk+A=="}})));
    EXPECT_FALSE(h2c_settings_of(with({upgrade, connection, {"HTTP2-Settings", "AAMA"}})));
}

}  // namespace
}  // namespace echo::core
