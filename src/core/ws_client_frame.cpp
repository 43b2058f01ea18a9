// The length takes the shortest of its three encodings, as section 5.2 requires
// ("the minimal number of bytes MUST be used").
#include "core/ws_client_frame.hpp"

#include <cstring>

namespace echo::core {

std::size_t write_client_frame_header(std::span<std::byte, kMaxClientFrameHeader> out,
                                      ws_opcode opcode, std::uint64_t payload_size,
                                      const ws_mask_key& key) noexcept {
    out[0] = std::byte{0x80} | static_cast<std::byte>(opcode);
    std::size_t at = 2;
    if (payload_size < 126) {
        out[1] = std::byte{0x80} | static_cast<std::byte>(payload_size);
    } else if (payload_size <= 0xffff) {
        out[1] = std::byte{0x80 | 126};
        out[2] = static_cast<std::byte>(payload_size >> 8);
        out[3] = static_cast<std::byte>(payload_size);
        at = 4;
    } else {
        out[1] = std::byte{0x80 | 127};
        for (int i = 0; i < 8; ++i) {
            out[2 + static_cast<std::size_t>(i)] = static_cast<std::byte>(payload_size >> (56 - 8 * i));
        }
        at = 10;
    }
    for (std::size_t i = 0; i < key.size(); ++i) {
        out[at + i] = key[i];
    }
    return at + key.size();
}

// Eight bytes a step: the key repeats every four, so a word of it rotated to the
// offset masks any aligned-or-not stretch; the tail goes byte by byte.
void copy_masked(std::span<const std::byte> from, std::span<std::byte> to, const ws_mask_key& key,
                 std::uint64_t offset, std::byte keep) noexcept {
    std::array<std::byte, 8> key_word;
    for (std::size_t i = 0; i < key_word.size(); ++i) {
        key_word[i] = key[(offset + i) & 3];
    }
    std::uint64_t k = 0, m = 0;
    std::memcpy(&k, key_word.data(), sizeof k);
    std::memset(&m, std::to_integer<int>(keep), sizeof m);
    std::size_t i = 0;
    for (; i + 8 <= from.size(); i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, from.data() + i, sizeof w);
        w = (w & m) ^ k;
        std::memcpy(to.data() + i, &w, sizeof w);
    }
    for (; i < from.size(); ++i) {
        to[i] = (from[i] & keep) ^ key_word[i & 7];
    }
}

}  // namespace echo::core
