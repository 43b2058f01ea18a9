// Fuzzes echo-bench's reader of HTTP/1.1 responses: fed the input whole and cut in
// two at a point the input names, it reports the same heads and bodies, takes no
// byte twice, holds a bounded head, and stays failed once failed.
#include "core/http_response_reader.hpp"
#include "property.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

std::string events_of(std::span<const std::byte> a, std::span<const std::byte> b) {
    core::http_response_reader r;
    std::string out;
    for (auto in : {a, b}) {
        while (!in.empty()) {
            const auto e = r.next(in);
            if (e.what == core::http_event::kind::error) {
                require(!r.problem().empty(), "an error says why");
                require(r.next(in).what == core::http_event::kind::error, "an error stays");
                return out + "!";
            }
            require(e.used > 0 || e.what == core::http_event::kind::head,
                    "every call takes a byte or reports a head");
            require(e.used <= in.size(), "no more taken than given");
            in = in.subspan(e.used);
            if (e.what == core::http_event::kind::head) {
                const auto& h = r.head();
                require(h.status >= 100 && h.status <= 999, "a status has three digits");
                out += "H" + std::to_string(h.status) + (e.response_end ? "." : "");
            } else if (e.what == core::http_event::kind::body) {
                out.append(reinterpret_cast<const char*>(e.payload.data()), e.payload.size());
                out += e.response_end ? "." : "";
            }
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::span<const std::byte> all{reinterpret_cast<const std::byte*>(data + 1), size - 1};
    const std::size_t cut = all.empty() ? 0 : data[0] % (all.size() + 1);
    const auto whole = events_of(all, {});
    require(events_of(all.first(cut), all.subspan(cut)) == whole, "the split changes nothing");
    return 0;
}
