// Fuzzes echo-bench's reader of the server's WebSocket frames: fed the input whole and
// cut in two at a point the input names, it reports the same payload bytes and
// controls, takes no byte twice, takes one on every call, and stays failed once failed.
#include "core/ws_frame_reader.hpp"
#include "property.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

std::string events_of(std::span<const std::byte> a, std::span<const std::byte> b) {
    core::ws_frame_reader r;
    std::string out;
    for (auto in : {a, b}) {
        while (!in.empty()) {
            const auto e = r.next(in);
            if (e.what == core::ws_event::kind::error) {
                require(!r.problem().empty(), "an error says why");
                require(r.next(in).what == core::ws_event::kind::error, "an error stays");
                return out + "!";
            }
            require(e.used > 0, "every call takes a byte");
            require(e.used <= in.size(), "no more taken than given");
            // An empty frame is reported with its header's last bytes (so it is never
            // held back until more input comes); a piece of payload is the bytes taken.
            require(e.what != core::ws_event::kind::data ||
                        (e.payload.empty() ? e.used <= core::kMaxClientFrameHeader
                                           : e.payload.data() == in.data() &&
                                                 e.payload.size() == e.used),
                    "a data piece is the bytes taken, or an empty frame's header");
            require(e.payload.size() <= 125 || e.what == core::ws_event::kind::data,
                    "a control payload is at most 125 bytes");
            in = in.subspan(e.used);
            if (e.what == core::ws_event::kind::data) {
                out.append(reinterpret_cast<const char*>(e.payload.data()), e.payload.size());
                out += e.message_end ? "|" : "";
            } else if (e.what == core::ws_event::kind::control) {
                out += "<" + std::to_string(static_cast<int>(e.opcode)) + ">";
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
