// The head's length is known from its second byte, so at most two copies gather it
// however the input is cut, and a whole head in one piece costs two.
#include "core/ws_frame_head.hpp"

#include <algorithm>

namespace echo::core {

std::size_t ws_frame_head_reader::wanted() const noexcept {
    if (have_ < 2) return 2;
    const auto second = std::to_integer<unsigned>(bytes_[1]);
    const auto len7 = second & 0x7f;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((second & 0x80) != 0 ? 4 : 0);
}

std::size_t ws_frame_head_reader::take(std::span<const std::byte> in) noexcept {
    std::size_t used = 0;
    while (used < in.size() && !complete()) {
        const auto n = std::min(wanted() - have_, in.size() - used);
        std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(used), n,
                    bytes_.begin() + static_cast<std::ptrdiff_t>(have_));
        have_ += n;
        used += n;
    }
    return used;
}

ws_frame_head ws_frame_head_reader::next() noexcept {
    const auto first = std::to_integer<unsigned>(bytes_[0]);
    const auto second = std::to_integer<unsigned>(bytes_[1]);
    ws_frame_head head;
    head.fin = (first & 0x80) != 0;
    head.rsv = static_cast<std::uint8_t>((first >> 4) & 0x7);
    head.opcode = static_cast<std::uint8_t>(first & 0x0f);
    head.masked = (second & 0x80) != 0;
    head.length = second & 0x7f;
    std::size_t at = 2;
    if (head.length >= 126) {
        const std::size_t n = head.length == 126 ? 2 : 8;
        const std::uint64_t shortest = n == 2 ? 126 : 0x10000;
        head.length = 0;
        for (std::size_t i = 0; i < n; ++i) head.length = head.length << 8 | std::to_integer<unsigned>(bytes_[at + i]);
        at += n;
        head.length_ok = head.length >= shortest && (head.length >> 63) == 0;
    }
    if (head.masked) std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(at), 4, head.key.begin());
    have_ = 0;
    return head;
}

}  // namespace echo::core
