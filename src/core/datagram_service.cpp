// Chargen replies rotate their first line, as the TCP stream does, and are views
// of the shared pattern: no copy, nothing held between batches.
#include "core/datagram_service.hpp"

#include "core/chargen_pattern.hpp"

#include <algorithm>
#include <utility>

namespace echo::core {

datagram_service::datagram_service(service_kind kind, std::vector<address_range> chargen_from)
    : kind_(kind), chargen_from_(std::move(chargen_from)) {}

void datagram_service::set_time(std::int64_t unix_seconds) noexcept {
    daytime_ = daytime_at(unix_seconds);
    time_ = time_at(unix_seconds);
}

std::optional<std::span<const std::byte>> datagram_service::reply(
    std::span<const std::byte> request, const peer_address& source) noexcept {
    switch (kind_) {
        case service_kind::echo:
            return request;
        case service_kind::discard:
            return std::nullopt;
        case service_kind::daytime:
            return daytime_.view();
        case service_kind::time:
            return std::span<const std::byte>{time_};
        case service_kind::chargen: {
            const auto size = any_contains(chargen_from_, source)
                                  ? kChargenDatagram
                                  : std::min(request.size(), kChargenDatagram);
            const auto line = chargen_line_++ % kChargenPrintable;
            return chargen_view(line * kChargenLineBytes, size);
        }
    }
    return std::nullopt;
}

}  // namespace echo::core
