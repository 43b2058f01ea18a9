// Fuzzes the LISTEN_PID/LISTEN_FDS handshake. The input is: one byte saying which
// variables are set (bit 0 LISTEN_PID, bit 1 LISTEN_FDS), then LISTEN_PID's value, a
// newline, and LISTEN_FDS's value. The process's own pid is kOwnPid.
#include "core/socket_activation.hpp"
#include "property.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

constexpr long kOwnPid = 4242;

// The decimal number as written, without the leading zeros from_chars allows.
std::string_view without_leading_zeros(std::string_view s) {
    const auto first = s.find_first_not_of('0');
    return first == std::string_view::npos ? s.substr(s.empty() ? 0 : s.size() - 1)
                                           : s.substr(first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view values{reinterpret_cast<const char*>(data) + 1, size - 1};
    const auto nl = values.find('\n');
    std::optional<std::string_view> pid;
    std::optional<std::string_view> fds;
    if ((data[0] & 1) != 0) {
        pid = values.substr(0, nl);
    }
    if ((data[0] & 2) != 0) {
        fds = nl == std::string_view::npos ? std::string_view{} : values.substr(nl + 1);
    }
    const auto result = core::parse_socket_activation(pid, fds, kOwnPid);
    if (const auto* err = std::get_if<std::string>(&result)) {
        require(fds.has_value(), "without LISTEN_FDS nothing is wrong");
        require(err->starts_with("LISTEN_PID='") || err->starts_with("LISTEN_FDS='"),
                "an error names the variable");
        return 0;
    }
    const int count = std::get<core::passed_fds>(result).count;
    require(count >= 0 && count <= 1024, "a descriptor count is 0-1024");
    if (count > 0) {
        require(fds && without_leading_zeros(*fds) == std::to_string(count),
                "the count is LISTEN_FDS");
        require(!pid || without_leading_zeros(*pid) == std::to_string(kOwnPid),
                "descriptors are taken only when LISTEN_PID is ours");
    }
    return 0;
}
