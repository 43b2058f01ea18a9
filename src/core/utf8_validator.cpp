// A byte-at-a-time state machine with a word-at-a-time skip over ASCII, so text
// costs about one comparison per eight bytes and any split point is a state.
#include "core/utf8_validator.hpp"

#include <cstring>

namespace echo::core {
namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

}  // namespace

bool utf8_validator::feed(std::span<const std::byte> bytes) noexcept {
    if (failed_) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto* const end = p + bytes.size();
    while (p != end) {
        if (pending_ == 0) {
            while (end - p >= 8) {
                std::uint64_t word;
                std::memcpy(&word, p, sizeof word);
                if ((word & kHighBits) != 0) break;
                p += 8;
            }
            if (p == end) break;
            const unsigned char lead = *p++;
            if (lead < 0x80) continue;
            low_ = 0x80;
            high_ = 0xbf;
            if (lead >= 0xc2 && lead <= 0xdf) {
                pending_ = 1;
            } else if (lead >= 0xe0 && lead <= 0xef) {
                pending_ = 2;
                if (lead == 0xe0) low_ = 0xa0;   // below: overlong
                if (lead == 0xed) high_ = 0x9f;  // above: UTF-16 surrogates
            } else if (lead >= 0xf0 && lead <= 0xf4) {
                pending_ = 3;
                if (lead == 0xf0) low_ = 0x90;   // below: overlong
                if (lead == 0xf4) high_ = 0x8f;  // above: past U+10FFFF
            } else {
                failed_ = true;  // a continuation byte, C0/C1 (overlong) or F5..FF
                return false;
            }
            continue;
        }
        const unsigned char next = *p++;
        if (next < low_ || next > high_) {
            failed_ = true;
            return false;
        }
        low_ = 0x80;
        high_ = 0xbf;
        --pending_;
    }
    return true;
}

}  // namespace echo::core
