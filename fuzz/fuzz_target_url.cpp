// Fuzzes echo-bench's target URL: what parses is within the documented ranges and
// writes itself (to_string) in a form that parses back to the same target.
#include "core/target_url.hpp"
#include "property.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

bool same_target(const core::target_url& a, const core::target_url& b) {
    return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.path == b.path &&
           a.abstract == b.abstract && a.tls == b.tls && a.application == b.application &&
           a.resource == b.resource;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    auto parsed = core::parse_target_url(text);
    if (const auto* err = std::get_if<core::url_error>(&parsed)) {
        require(err->message.starts_with("bad target '"), "an error names the target");
        return 0;
    }
    const auto& t = std::get<core::target_url>(parsed);
    if (t.scheme == "unix") {
        require(!t.path.empty() && t.path.size() <= 107, "a unix path fits sun_path");
        require(t.host.empty() && t.port == 0, "unix has no IP parts");
    } else {
        require(t.scheme == "tcp" || t.scheme == "udp", "the scheme is tcp, udp or unix");
        require(!t.host.empty() && t.port != 0, "tcp/udp have a host and a port 1-65535");
        require(t.path.empty() && !t.abstract, "tcp/udp have no path");
        require(!t.tls || t.scheme == "tcp", "TLS runs over tcp or unix, never udp");
    }
    require(t.application.empty() || t.application == "http" || t.application == "ws",
            "the application is none, http or ws");
    require(t.application.empty() || t.scheme == "tcp", "http and ws run over tcp");
    require(t.resource.empty() || !t.application.empty(), "only http and ws have a request target");
    if (!t.resource.empty()) {
        require(t.resource.front() == '/' && t.resource.size() <= core::kMaxResource,
                "a request target starts with '/' and is bounded");
        for (const char ch : t.resource) {
            require(ch > 0x20 && ch < 0x7f && ch != '#',
                    "a request target is visible ASCII without '#': it cannot split a request line");
        }
    }
    const auto written = t.to_string();
    auto again = core::parse_target_url(written);
    require(std::holds_alternative<core::target_url>(again), "to_string() parses");
    const auto& same = std::get<core::target_url>(again);
    require(same_target(t, same), "to_string() names the same target");
    require(same.to_string() == written, "to_string() is a fixed point");
    return 0;
}
