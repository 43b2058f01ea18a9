// Fuzzes the metrics endpoint's request-head parser with bytes from the network: a
// complete head's method and path come from its request line, and the verdict does
// not depend on how the bytes were split into reads.
#include "core/http_exchange.hpp"
#include "property.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

void check_complete(std::string_view received, const core::request_line& r) {
    require(!r.method.empty(), "a method is not empty");
    for (const char c : r.method) {
        require(c >= 'A' && c <= 'Z', "a method is an upper-case token");
    }
    require(r.path.starts_with('/') && r.path.find('?') == std::string::npos,
            "a path is absolute, without its query");
    const auto line = received.substr(0, received.find("\r\n"));
    require(line.starts_with(r.method + " " + r.path), "method and path lie in the request line");
    require(received.find("\r\n\r\n") + 4 <= core::kMaxRequestHead, "a complete head fits the limit");
}

// Where the endpoint could have stopped reading: a few fixed cuts around the size
// limit, and cuts every 512 bytes (every cut would make a long input quadratic).
std::vector<std::size_t> cuts(std::size_t size) {
    std::vector<std::size_t> out{size / 2, core::kMaxRequestHead - 1, core::kMaxRequestHead,
                                 core::kMaxRequestHead + 1};
    for (std::size_t at = 1; at < size; at += 512) {
        out.push_back(at);
    }
    std::erase_if(out, [size](std::size_t at) { return at == 0 || at >= size; });
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view received{reinterpret_cast<const char*>(data), size};
    core::request_line whole;
    const auto status = core::parse_request_head(received, whole);
    if (status == core::head_status::complete) {
        check_complete(received, whole);
    }
    // Once a prefix is decided, more bytes must not change the verdict: the endpoint
    // answers as soon as it is decided, whatever arrives later.
    for (const auto at : cuts(size)) {
        core::request_line early;
        const auto early_status = core::parse_request_head(received.substr(0, at), early);
        if (early_status == core::head_status::incomplete) {
            continue;
        }
        require(early_status == status, "a decided prefix keeps its verdict");
        if (status == core::head_status::complete) {
            require(early.method == whole.method && early.path == whole.path,
                    "a complete prefix keeps its method and path");
        }
    }
    return 0;
}
