// Fuzzes the PROXY stage as the engine feeds it: the input's first byte picks the
// mode, the next ones where the stream is cut into chunks, the rest is the stream.
// Whatever comes, nothing crashes, the stage holds at most one chunk while the
// header is incomplete, and what it passes on is exactly the stream after the
// header (or the whole stream, when no header is read), in order.
#include "core/chunk_pool.hpp"
#include "core/proxy_header.hpp"
#include "property.hpp"
#include "proxy/proxy_stage.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using echo::fuzz::require;
namespace core = echo::core;
using echo::proxy::proxy_stage;

constexpr std::size_t kMaxCuts = 8;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 + kMaxCuts) {
        return 0;
    }
    static core::chunk_pool pool{16 * 1024, 16};
    const auto mode = data[0] % 3 == 0   ? proxy_stage::reading::required
                      : data[0] % 3 == 1 ? proxy_stage::reading::if_present
                                         : proxy_stage::reading::never;
    const bool end_stream = (data[0] & 0x80) != 0;
    const std::string_view stream{reinterpret_cast<const char*>(data) + 1 + kMaxCuts,
                                  size - 1 - kMaxCuts};
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < kMaxCuts; ++i) {
        if (!stream.empty()) {
            cuts.push_back(data[1 + i] * stream.size() / 256);
        }
    }
    std::sort(cuts.begin(), cuts.end());

    proxy_stage stage{pool, mode};
    std::string out;
    std::size_t at = 0;
    const auto drain = [&] {
        while (auto c = stage.pull_inbound()) {
            out.append(reinterpret_cast<const char*>(c->payload().data()), c->size());
        }
    };
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t end = i < cuts.size() ? cuts[i] : stream.size();
        if (end > at) {
            auto c = pool.acquire();
            std::memcpy(c->data, stream.data() + at, end - at);
            c->end = static_cast<std::uint32_t>(end - at);
            stage.push_inbound(std::move(c));
            if (stage.state() == echo::pipeline::stage_state::opening) {
                require(stage.held() <= 1, "an incomplete header holds one chunk at most");
                require(stage.claim().pending, "no client is named before the header ends");
            }
            drain();
        }
        at = std::max(at, end);
    }
    if (end_stream) {
        stage.inbound_ended();
        drain();
    }
    if (stage.state() == echo::pipeline::stage_state::failed) {
        require(out.empty() && !stage.failure().empty(), "a failed stage passes nothing on");
        return 0;
    }
    if (stage.state() == echo::pipeline::stage_state::opening) {
        require(out.empty() && !end_stream, "an open stream's bytes wait for the header");
        return 0;
    }
    require(!stage.claim().pending, "an open stage has decided");
    if (!stage.facts().present) {
        require(out == stream, "without a header the stream passes whole");
        return 0;
    }
    const auto r = core::parse_proxy_header(std::as_bytes(std::span{stream}));
    require(r.status == core::proxy_parse_status::done, "the stage and the parser agree");
    require(out == stream.substr(r.consumed), "the stream after the header passes whole");
    return 0;
}
