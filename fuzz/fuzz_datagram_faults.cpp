// Fuzzes a udp listener's fault keys (the input is the URL's query) and then rolls
// the dice they make: accepted values are in range, and every fate keeps to them
// (a hold within delay + jitter, plus the line's bound with a rate; a flipped bit
// inside the datagram; a drop only by drop= or a full line).
#include "core/datagram_fault_dice.hpp"
#include "core/listen_url.hpp"
#include "property.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

using echo::fuzz::require;
using echo::fuzz::within;
namespace core = echo::core;

void roll_some(const core::datagram_faults& f, std::uint64_t seed) {
    core::datagram_fault_dice dice{f, seed};
    const std::int64_t max_hold = f.delay.count() + f.jitter.count();
    std::int64_t now = 1'000'000'000;
    for (std::uint32_t size : {0U, 1U, 17U, 1500U, 65507U}) {
        const auto fate = dice.roll(size, now);
        if (fate.drop) {
            require(fate.line_full ? f.rate > 0 : f.drop > 0, "a drop has its cause");
            require(!fate.twice && !fate.flip_bit, "a drop is only a drop");
            continue;
        }
        require(!fate.twice || f.dup > 0, "two copies only with dup");
        require(!fate.flip_bit || (f.corrupt > 0 && *fate.flip_bit < size * 8ULL),
                "a flipped bit is inside the datagram");
        require(fate.send_at >= now, "nothing is sent before it came");
        const std::int64_t line = f.rate > 0 ? core::datagram_fault_dice::kMaxLineWaitNs : 0;
        require(fate.send_at <= now + max_hold + line,
                "a hold is within delay + jitter, and the line's bound with a rate");
        now += 1'000'000;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string query{reinterpret_cast<const char*>(data), size};
    auto parsed = core::parse_listen_url("udp://127.0.0.1:0?" + query);
    const auto* url = std::get_if<core::listen_url>(&parsed);
    if (url == nullptr || !url->udp_faults) {
        return 0;
    }
    const auto& f = *url->udp_faults;
    require(within(f.drop, 0, 1) && within(f.dup, 0, 1) && within(f.reorder, 0, 1) &&
                within(f.corrupt, 0, 1),
            "probabilities are in [0, 1]");
    require(f.delay.count() >= 0 && f.delay <= core::kMaxDatagramDelay && f.jitter.count() >= 0 &&
                f.jitter <= core::kMaxDatagramDelay,
            "delay and jitter are 0-60 s");
    require(f.rate <= core::kMaxDatagramRate, "a rate is within its cap");
    require(f.reorder == 0 || f.delay.count() > 0, "reorder comes with a delay");
    roll_some(f, f.seed.value_or(size));
    return 0;
}
