// What echo-bench sends, as pure functions: every message is unique (a header
// naming its connection, sequence number and size, then bytes drawn from a
// random pool at an offset that depends on both), so a flipped, dropped,
// duplicated or misrouted byte shows up as a mismatch.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace echo::core {

struct message_id {
    std::uint32_t conn = 0;
    std::uint64_t seq = 0;
    std::uint32_t size = 0;
};

inline constexpr std::size_t kMessageHeader = 16;
using message_header = std::array<std::byte, kMessageHeader>;

class message_pattern {
public:
    // Messages up to `max_size` bytes; the same seed gives the same bytes.
    message_pattern(std::size_t max_size, std::uint64_t seed);

    // The first min(16, size) bytes of a message are its header's first bytes.
    [[nodiscard]] static message_header header(const message_id& id) noexcept;
    // The id a message of at least 16 bytes names in its header.
    [[nodiscard]] static message_id read_header(std::span<const std::byte> message) noexcept;
    [[nodiscard]] static std::size_t header_length(const message_id& id) noexcept {
        return id.size < kMessageHeader ? id.size : kMessageHeader;
    }
    // The rest of the message: size - header_length bytes, borrowed from the pool.
    [[nodiscard]] std::span<const std::byte> body(const message_id& id) const noexcept;

    // Compares `got` with the message's bytes from `offset` on, each ANDed with `keep`
    // (0x7f: the 7-bit form sent as WebSocket text); returns the index in `got` of the
    // first difference, or got.size() when all match. The caller keeps
    // offset + got.size() <= id.size.
    [[nodiscard]] std::size_t first_mismatch(const message_id& id, const message_header& header,
                                             std::size_t offset, std::span<const std::byte> got,
                                             std::byte keep = std::byte{0xff}) const noexcept;

    // How many bits of `got` differ from the whole message `id` (got.size() ==
    // id.size), counting no further than `limit + 1`: one bit apart is a flipped bit.
    [[nodiscard]] std::size_t bits_apart(const message_id& id, std::span<const std::byte> got,
                                         std::size_t limit) const noexcept;

private:
    std::vector<std::byte> pool_;
};

}  // namespace echo::core
