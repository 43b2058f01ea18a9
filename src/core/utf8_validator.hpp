// UTF-8 validation as text arrives (RFC 3629): fed in pieces of any size, it fails at
// the first byte no valid text can have there, so a WebSocket text message split
// across frames is judged without being held whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::core {

class utf8_validator {
public:
    // The next bytes of the text. False from the first byte that cannot continue
    // valid UTF-8 (an overlong form, a surrogate, a code point past U+10FFFF, a
    // stray continuation byte), and from then on until reset().
    bool feed(std::span<const std::byte> bytes) noexcept;
    // True when the text so far ends between code points: a text that ends here is
    // valid.
    [[nodiscard]] bool complete() const noexcept { return !failed_ && pending_ == 0; }
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    void reset() noexcept { *this = utf8_validator{}; }

private:
    std::uint8_t pending_ = 0;  // continuation bytes the current code point still needs
    // Where the next continuation byte must lie: narrower than 80..BF right after
    // E0, ED, F0 and F4, which is what excludes overlongs, surrogates and > U+10FFFF.
    std::uint8_t low_ = 0x80;
    std::uint8_t high_ = 0xbf;
    bool failed_ = false;
};

}  // namespace echo::core
