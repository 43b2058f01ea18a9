// The answer of a UDP listener's service to one datagram that passed the guard:
// the datagram itself (echo), nothing (discard), the time (daytime, time), or
// chargen's characters, sized so the service is no amplifier (CERT CA-1996-01).
#pragma once

#include "core/address_range.hpp"
#include "core/clock_replies.hpp"
#include "core/peer_address.hpp"
#include "core/service_kind.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace echo::core {

// RFC 864 answers a datagram with 0 to 512 characters; this one sends 512 to a
// source in chargen_from and, to anyone else, no more bytes than they sent.
inline constexpr std::size_t kChargenDatagram = 512;

// One per UDP socket and loop; not thread-safe.
class datagram_service {
public:
    datagram_service(service_kind kind, std::vector<address_range> chargen_from);

    // The wall-clock time the next replies tell (daytime, time). Once per batch:
    // every reply of a batch shares the one text.
    void set_time(std::int64_t unix_seconds) noexcept;
    [[nodiscard]] bool tells_time() const noexcept {
        return kind_ == service_kind::daytime || kind_ == service_kind::time;
    }

    // What to send back to `source` for `request`; none: no reply. The span is the
    // request itself, static storage, or this object's, valid until the next
    // set_time(). A chargen reply to a source outside chargen_from is never longer
    // than its request, so a forged source gains nothing by aiming it at a victim.
    [[nodiscard]] std::optional<std::span<const std::byte>> reply(
        std::span<const std::byte> request, const peer_address& source) noexcept;

private:
    service_kind kind_;
    std::vector<address_range> chargen_from_;  // at most kMaxAddressRanges
    std::uint64_t chargen_line_ = 0;           // each reply starts a line further on
    daytime_text daytime_;
    std::array<std::byte, 4> time_{};
};

}  // namespace echo::core
