// Fuzzes the HTTP request reader as the application feeds it: the first bytes
// pick where the stream is cut, the rest is the stream. Whatever comes, nothing
// crashes, what a request holds stays within the limits, every split gives the
// same requests (or the same refusal) as the whole stream, and each request's
// JSON echo is valid UTF-8.
#include "core/http_echo_reply.hpp"
#include "core/http_request_reader.hpp"
#include "property.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

constexpr std::size_t kMaxCuts = 8;

core::http_limits small_limits() {
    core::http_limits l;
    l.max_head = 512;
    l.max_headers = 8;
    l.max_body = 4096;
    l.body_limit = 64;
    return l;
}

std::string summary(const core::http_request& q) {
    std::string s = std::string{q.method} + ' ' + q.target + ' ' +
                    std::to_string(q.version_major) + std::to_string(q.version_minor);
    std::size_t head = q.target.size();
    for (const auto& h : q.headers) {
        s += '\n' + h.name + ':' + h.value;
        head += h.name.size() + h.value.size();
    }
    const auto l = small_limits();
    require(head <= l.max_head, "a request's head stays within max_head");
    require(q.headers.size() <= l.max_headers, "a request has at most max_headers headers");
    require(q.body.size() <= l.body_limit, "a kept body stays within body_limit");
    require(q.body_kept == (q.body_size <= l.body_limit), "bodies over body_limit are hashed");
    s += '\n' + (q.body_kept ? q.body : std::string(reinterpret_cast<const char*>(q.body_sha256.data()), 32));
    s += std::to_string(q.body_size) + (q.keep_alive ? "k" : "c") + (q.chunked ? "t" : "") +
         (q.upgrade ? "u" : "");
    const core::echo_origin origin;
    const core::echo_server_facts server;
    const auto doc = core::echo_document({q, origin, server, "fuzz", 0}, core::reply_format::json);
    require(core::is_utf8(doc), "the JSON echo is valid UTF-8");
    return s;
}

std::vector<std::string> read_all(std::string_view stream, const std::vector<std::size_t>& cuts) {
    core::http_request_reader r(small_limits());
    std::vector<std::string> out;
    std::size_t at = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t end = i < cuts.size() ? cuts[i] : stream.size();
        auto piece = std::span{reinterpret_cast<const std::byte*>(stream.data()) + at, end - at};
        at = end;
        while (true) {
            piece = piece.subspan(r.feed(piece, 0));
            (void)r.take_continue();
            if (r.current() == core::http_request_reader::state::ready) {
                out.push_back(summary(r.request()));
                r.next();
                continue;
            }
            if (r.current() == core::http_request_reader::state::failed) {
                out.push_back(std::string{"refused "} + core::name_of(r.refusal()));
                return out;
            }
            require(piece.empty(), "the reader takes every byte until a request is ready");
            break;
        }
    }
    r.feed_eof(0);
    if (r.current() == core::http_request_reader::state::failed) {
        out.push_back(std::string{"refused "} + core::name_of(r.refusal()));
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < kMaxCuts) {
        return 0;
    }
    const std::string_view stream{reinterpret_cast<const char*>(data) + kMaxCuts, size - kMaxCuts};
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < kMaxCuts; ++i) {
        cuts.push_back(data[i] * stream.size() / 256);
    }
    std::sort(cuts.begin(), cuts.end());
    const auto whole = read_all(stream, {});
    require(read_all(stream, cuts) == whole, "every split gives the same requests");
    return 0;
}
