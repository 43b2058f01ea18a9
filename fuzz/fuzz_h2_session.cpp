// Fuzzes the HTTP/2 echo as the worker drives it: the first bytes pick where the
// client's stream is cut, how the output is drained (whole, 7 bytes at a time,
// or not until the end) and how far time moves between pieces; the rest is the
// client's bytes (seeds start with the preface). Whatever comes, nothing
// crashes, the app holds no more chunks than it was given while it wanted
// input, its open streams and held answers stay within their bounds, and no
// send it offers is larger than its output bound plus one frame.
#include "core/chunk_pool.hpp"
#include "http/h2_echo_app.hpp"
#include "property.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

using echo::fuzz::require;
namespace http = echo::http;
namespace core = echo::core;
namespace pipeline = echo::pipeline;

constexpr std::size_t kMaxCuts = 8;
constexpr std::size_t kHeader = kMaxCuts + 2;

class no_log final : public pipeline::app_log {
public:
    bool wants_info() const noexcept override { return false; }
    bool structured() const noexcept override { return true; }
    void info(const core::log_event&, std::string_view) override {}
};

std::shared_ptr<const http::http_echo_config> small_config() {
    auto c = std::make_shared<http::http_echo_config>();
    c->observer = std::make_shared<http::http_observer>("fuzz");
    c->settings.limits.max_head = 512;
    c->settings.limits.max_headers = 8;
    c->settings.limits.max_body = 4096;
    c->settings.limits.body_limit = 64;
    c->settings.request_timeout = std::chrono::milliseconds{1000};
    c->settings.max_delay = std::chrono::milliseconds{2000};
    c->settings.max_response = 100000;
    return c;
}

// A stream's answer, over a head of max_head and a body of body_limit each
// escaped (at most 6 bytes per byte) with the document around them.
constexpr std::size_t kPerStream = 6 * (512 + 64) + 4096;

void check(const http::h2_echo_app& app) {
    require(app.open_streams() <= http::h2_echo_app::kMaxStreams,
            "at most SETTINGS_MAX_CONCURRENT_STREAMS streams are open");
    // Bodies past the windows never arrive, answers past kHeldHigh wait: one
    // connection window of bodies and one answer over it at most.
    require(app.held_bytes() <= http::h2_echo_app::kHeldHigh + 65535 + kPerStream,
            "held answers and bodies stay within their bound");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < kHeader) {
        return 0;
    }
    static const auto config = small_config();
    const std::string_view stream{reinterpret_cast<const char*>(data) + kHeader, size - kHeader};
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < kMaxCuts; ++i) {
        cuts.push_back(data[i] * stream.size() / 256);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.push_back(stream.size());
    const unsigned drain_policy = data[kMaxCuts] % 3;  // 0 whole, 1 by 7 bytes, 2 at the end
    const pipeline::time_ns step = static_cast<pipeline::time_ns>(data[kMaxCuts + 1]) * 20'000'000;

    no_log log;
    pipeline::app_context ctx;
    ctx.listener = "http://fuzz";
    ctx.log = &log;
    ctx.now = 1;
    http::h2_echo_app app(config, ctx);
    core::chunk_pool pool(512, 4);
    pipeline::time_ns now = 1;
    const auto drain = [&](std::size_t limit) {
        for (int i = 0; i < 10000; ++i) {
            const auto span = app.begin_send();
            if (span.empty()) {
                return;
            }
            require(span.size() <= http::h2_echo_app::kOutHigh + 65536,
                    "a send is at most the output bound plus one frame");
            app.on_sent(std::min(span.size(), limit), now);
            check(app);
        }
    };
    std::size_t at = 0;
    for (const auto end : cuts) {
        std::string_view piece = stream.substr(at, end - at);
        at = end;
        while (!piece.empty() && app.wants_input()) {
            auto c = pool.acquire();
            const auto n = std::min<std::size_t>(piece.size(), c->capacity);
            std::memcpy(c->data, piece.data(), n);
            c->end = static_cast<std::uint32_t>(n);
            piece.remove_prefix(n);
            app.on_received(std::move(c), now);
            require(app.held_chunks() <= 1, "input is held only while output is not drained");
            check(app);
        }
        if (drain_policy != 2) {
            drain(drain_policy == 0 ? SIZE_MAX : 7);
        }
        now += step;
        if (const auto wake = app.wake_at(); wake && *wake <= now) {
            app.on_timer(now);
            check(app);
        }
    }
    drain(SIZE_MAX);
    app.on_peer_eof(now);
    drain(SIZE_MAX);
    check(app);
    return 0;
}
