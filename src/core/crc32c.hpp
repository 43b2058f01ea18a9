// CRC32C (Castagnoli, RFC 4960 appendix B): the checksum a PROXY v2 header may carry
// in its PP2_TYPE_CRC32C TLV.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::core {

// The CRC32C of `data`; pass the CRC of the bytes before it as `previous` to go on
// over data held in pieces (crc32c(b, crc32c(a)) == crc32c(a then b)).
[[nodiscard]] std::uint32_t crc32c(std::span<const std::byte> data,
                                   std::uint32_t previous = 0) noexcept;

}  // namespace echo::core
