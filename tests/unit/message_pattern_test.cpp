// message_pattern: messages are unique and deterministic, and any changed byte is
// found at its position.
#include "core/message_pattern.hpp"

#include <gtest/gtest.h>

#include <vector>

using echo::core::message_id;
using echo::core::message_pattern;

namespace {

std::vector<std::byte> bytes_of(const message_pattern& p, const message_id& id) {
    const auto h = message_pattern::header(id);
    std::vector<std::byte> out(h.begin(), h.begin() + message_pattern::header_length(id));
    const auto body = p.body(id);
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

}  // namespace

TEST(MessagePattern, SameSeedSameBytesAndEveryMessageDiffers) {
    const message_pattern a{4096, 1}, b{4096, 1};
    EXPECT_EQ(bytes_of(a, {1, 2, 300}), bytes_of(b, {1, 2, 300}));
    EXPECT_NE(bytes_of(a, {1, 2, 300}), bytes_of(a, {1, 3, 300}));
    EXPECT_NE(bytes_of(a, {1, 2, 300}), bytes_of(a, {2, 2, 300}));
    EXPECT_EQ(bytes_of(a, {1, 2, 300}).size(), 300U);
    EXPECT_EQ(bytes_of(a, {1, 2, 5}).size(), 5U);
}

TEST(MessagePattern, FindsAFlippedByteAtEveryOffset) {
    const message_pattern p{256, 7};
    const message_id id{3, 9, 200};
    const auto header = message_pattern::header(id);
    const auto good = bytes_of(p, id);
    for (std::size_t flip = 0; flip < good.size(); ++flip) {
        auto bad = good;
        bad[flip] ^= std::byte{0x01};
        for (std::size_t offset : {std::size_t{0}, std::size_t{7}, std::size_t{16}, flip}) {
            const std::span<const std::byte> got{bad.data() + offset, bad.size() - offset};
            const std::size_t want = flip >= offset ? flip - offset : got.size();
            ASSERT_EQ(p.first_mismatch(id, header, offset, got), want)
                << "flip " << flip << " offset " << offset;
        }
    }
}

TEST(MessagePattern, AMissingByteIsAMismatch) {
    const message_pattern p{256, 7};
    const message_id id{0, 0, 64};
    auto got = bytes_of(p, id);
    got.erase(got.begin() + 40);
    EXPECT_LT(p.first_mismatch(id, message_pattern::header(id), 0, got), got.size());
}

TEST(MessagePattern, BitsApartCountsFlipsUpToTheLimit) {
    const message_pattern p{4096, 1};
    for (std::uint32_t size : {16U, 17U, 300U}) {
        const message_id id{3, 77, size};
        std::vector<std::byte> m(size);
        const auto h = message_pattern::header(id);
        std::copy_n(h.begin(), message_pattern::header_length(id), m.begin());
        const auto body = p.body(id);
        std::copy(body.begin(), body.end(), m.begin() + message_pattern::header_length(id));
        EXPECT_EQ(p.bits_apart(id, m, 1), 0U);
        for (std::size_t bit : {std::size_t{0}, std::size_t{8 * 4 + 3}, std::size_t{size * 8 - 1}}) {
            auto flipped = m;
            flipped[bit / 8] ^= std::byte{static_cast<unsigned char>(1U << (bit % 8))};
            EXPECT_EQ(p.bits_apart(id, flipped, 1), 1U) << size << " bit " << bit;
            flipped[(bit / 8 + 1) % size] ^= std::byte{0x81};
            EXPECT_GT(p.bits_apart(id, flipped, 1), 1U);
        }
        EXPECT_GT(p.bits_apart({3, 78, size}, m, 1), 1U) << "another seq is far";
    }
}
