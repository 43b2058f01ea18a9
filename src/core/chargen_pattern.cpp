// The table is one period plus the longest view, so a view from any position is
// contiguous; it is built once, on first use (thread-safe static initialisation).
#include "core/chargen_pattern.hpp"

#include <algorithm>
#include <array>

namespace echo::core {

namespace {

constexpr std::size_t kTableBytes = kChargenPeriod + kChargenMaxView;

const std::array<std::byte, kTableBytes>& table() noexcept {
    static const auto bytes = [] {
        std::array<std::byte, kTableBytes> t{};
        for (std::size_t i = 0; i < kTableBytes; ++i) {
            const std::size_t line = (i / kChargenLineBytes) % kChargenPrintable;
            const std::size_t column = i % kChargenLineBytes;
            char c = '\r';
            if (column == kChargenLineChars + 1) {
                c = '\n';
            } else if (column < kChargenLineChars) {
                c = static_cast<char>(' ' + (line + column) % kChargenPrintable);
            }
            t[i] = static_cast<std::byte>(c);
        }
        return t;
    }();
    return bytes;
}

}  // namespace

std::span<const std::byte> chargen_view(std::uint64_t position, std::size_t max) noexcept {
    const auto start = static_cast<std::size_t>(position % kChargenPeriod);
    return std::span{table()}.subspan(start, std::min(max, kChargenMaxView));
}

}  // namespace echo::core
