// crc32c: the Castagnoli checksum against published check values, whole and in pieces.
#include "core/crc32c.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace {

using echo::core::crc32c;

std::uint32_t of(std::string_view text) {
    return crc32c(std::as_bytes(std::span{text}));
}

TEST(Crc32c, MatchesTheKnownCheckValues) {
    EXPECT_EQ(of("123456789"), 0xE3069283U);  // the catalogue's check value
    EXPECT_EQ(of(""), 0U);
    // RFC 3720 B.4: 32 bytes of zeros, and of ones.
    const std::vector<std::byte> zeros(32, std::byte{0}), ones(32, std::byte{0xff});
    EXPECT_EQ(crc32c(zeros), 0x8A9136AAU);
    EXPECT_EQ(crc32c(ones), 0x62A8AB43U);
}

TEST(Crc32c, GoesOnAcrossPieces) {
    const std::string_view text = "123456789";
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        EXPECT_EQ(crc32c(std::as_bytes(std::span{text.substr(cut)}), of(text.substr(0, cut))), 0xE3069283U)
            << "cut at " << cut;
    }
}

}  // namespace
