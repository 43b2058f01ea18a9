// The pool is max_size plus a 64 KiB window of random bytes; a message's body is a
// slice starting at a hash of (conn, seq) inside the window, so it costs nothing to
// produce and one memcmp to check.
#include "core/message_pattern.hpp"

#include "core/splitmix64.hpp"

#include <bit>

#include <algorithm>
#include <cstring>

namespace echo::core {

namespace {

constexpr std::size_t kWindow = 64 * 1024;

void put_le(std::byte* at, std::uint64_t v, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        at[i] = static_cast<std::byte>(v >> (8 * i));
    }
}

std::size_t mismatch_at(const std::byte* want, const std::byte* got, std::size_t n,
                        std::byte keep) noexcept {
    if (keep != std::byte{0xff}) {
        return static_cast<std::size_t>(
            std::mismatch(want, want + n, got,
                          [keep](std::byte w, std::byte g) { return (w & keep) == g; })
                .first -
            want);
    }
    if (std::memcmp(want, got, n) == 0) {
        return n;
    }
    return static_cast<std::size_t>(std::mismatch(want, want + n, got).first - want);
}

}  // namespace

message_pattern::message_pattern(std::size_t max_size, std::uint64_t seed)
    : pool_(max_size + kWindow) {
    splitmix64 random{seed};
    for (std::size_t i = 0; i < pool_.size(); i += 8) {
        put_le(pool_.data() + i, random.next(), std::min<std::size_t>(8, pool_.size() - i));
    }
}

message_header message_pattern::header(const message_id& id) noexcept {
    message_header h{};
    put_le(h.data(), id.conn, 4);
    put_le(h.data() + 4, id.seq, 8);
    put_le(h.data() + 12, id.size, 4);
    return h;
}

message_id message_pattern::read_header(std::span<const std::byte> m) noexcept {
    auto get = [&](std::size_t at, std::size_t n) {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            v |= std::uint64_t{std::to_integer<std::uint8_t>(m[at + i])} << (8 * i);
        }
        return v;
    };
    return {static_cast<std::uint32_t>(get(0, 4)), get(4, 8), static_cast<std::uint32_t>(get(12, 4))};
}

std::span<const std::byte> message_pattern::body(const message_id& id) const noexcept {
    const std::size_t start = splitmix64_mix((std::uint64_t{id.conn} << 40) ^ id.seq) % kWindow;
    return {pool_.data() + start, id.size - header_length(id)};
}

std::size_t message_pattern::first_mismatch(const message_id& id, const message_header& header,
                                             std::size_t offset,
                                             std::span<const std::byte> got,
                                             std::byte keep) const noexcept {
    const std::size_t hlen = header_length(id);
    std::size_t done = 0;
    if (offset < hlen) {
        const std::size_t n = std::min(hlen - offset, got.size());
        const std::size_t at = mismatch_at(header.data() + offset, got.data(), n, keep);
        if (at < n) {
            return at;
        }
        done = n;
    }
    const std::size_t rest = got.size() - done;
    if (rest == 0) {
        return got.size();
    }
    const std::byte* want = body(id).data() + (offset + done - hlen);
    return done + mismatch_at(want, got.data() + done, rest, keep);
}

std::size_t message_pattern::bits_apart(const message_id& id, std::span<const std::byte> got,
                                        std::size_t limit) const noexcept {
    const auto h = header(id);
    const std::size_t hlen = header_length(id);
    const auto b = body(id);
    std::size_t bits = 0;
    for (std::size_t i = 0; i < got.size() && bits <= limit; ++i) {
        const std::byte want = i < hlen ? h[i] : b[i - hlen];
        bits += static_cast<std::size_t>(std::popcount(std::to_integer<unsigned>(want ^ got[i])));
    }
    return bits;
}

}  // namespace echo::core
