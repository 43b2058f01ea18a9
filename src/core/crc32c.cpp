// Byte-at-a-time with a 256-entry table built at compile time: a PROXY header is at
// most a few kilobytes read once per connection, so slicing tables or the SSE4.2
// instruction would buy nothing worth their code.
#include "core/crc32c.hpp"

#include <array>

namespace echo::core {

namespace {

constexpr std::uint32_t kReflectedPolynomial = 0x82F63B78;

constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < table.size(); ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) {
            c = (c & 1U) != 0 ? (c >> 1) ^ kReflectedPolynomial : c >> 1;
        }
        table[i] = c;
    }
    return table;
}

constexpr auto kTable = make_table();

}  // namespace

std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t previous) noexcept {
    std::uint32_t c = ~previous;
    for (const std::byte b : data) {
        c = kTable[(c ^ static_cast<std::uint32_t>(b)) & 0xffU] ^ (c >> 8);
    }
    return ~c;
}

}  // namespace echo::core
