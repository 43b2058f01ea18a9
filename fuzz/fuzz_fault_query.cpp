// Fuzzes the fault keys of a stream listener's URL query: whatever is accepted lies
// within the documented caps, ties the keys consistently, and parses the same way
// written again from its own values.
#include "core/listen_url.hpp"
#include "property.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

void check(const core::stream_faults& f) {
    require(f.delay <= core::kMaxFaultDelay && f.jitter <= core::kMaxFaultDelay &&
                f.accept_delay <= core::kMaxFaultDelay && f.slice_gap <= core::kMaxFaultDelay,
            "short holds within a minute");
    require(f.stall_for <= core::kMaxFaultHold && f.slow_close <= core::kMaxFaultHold,
            "long holds within an hour");
    require(f.delay.count() >= 0 && f.jitter.count() >= 0 && f.slice_gap.count() >= 0 &&
                f.stall_for.count() >= 0 && f.slow_close.count() >= 0 &&
                f.accept_delay.count() >= 0,
            "no negative duration");
    require(f.rate <= core::kMaxFaultRate && f.rate_total <= core::kMaxFaultRate,
            "rates within the cap");
    require(f.slice_average <= core::kMaxSlice &&
                (f.slice_average == 0 || f.slice_variation < f.slice_average),
            "slices within the cap, variation below the average");
    for (const auto& count : {f.close_after, f.reset_after, f.stall_after}) {
        require(!count || *count <= core::kMaxFaultCount, "counts within the cap");
    }
    require(!(f.close_after && f.reset_after), "one end, not two");
    require(f.stall_for.count() == 0 || f.stall_after, "stall_for only with stall_after");
    require(f.refuse >= 0 && f.refuse <= 1 && f.toxicity >= 0 && f.toxicity <= 1,
            "probabilities from 0 to 1");
}

std::string ns(std::chrono::nanoseconds d) { return std::to_string(d.count() / 1000) + "us"; }

// The accepted spec written back as keys: what lost precision (below a microsecond,
// fractions) is left out, so only the exact keys are compared.
std::string rewritten(const core::stream_faults& f) {
    std::string q = "faults_dir=";
    q += f.direction == core::fault_direction::out  ? "out"
         : f.direction == core::fault_direction::in ? "in"
                                                    : "both";
    q += "&seed=" + std::to_string(f.seed);
    if (f.rate > 0) {
        q += "&rate=" + std::to_string(f.rate);
    }
    if (f.close_after) {
        q += "&close_after=" + std::to_string(*f.close_after);
    }
    if (f.reset_after) {
        q += "&reset_after=" + std::to_string(*f.reset_after);
    }
    if (f.slice_average > 0) {
        q += "&slice=" + std::to_string(f.slice_average) + "," +
             std::to_string(f.slice_variation) + "," + ns(f.slice_gap);
    }
    return q;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string query{reinterpret_cast<const char*>(data), size};
    const auto parsed = core::parse_listen_url("tcp://127.0.0.1:0?" + query);
    const auto* url = std::get_if<core::listen_url>(&parsed);
    if (url == nullptr || !url->faults) {
        return 0;
    }
    check(*url->faults);
    const auto again = core::parse_listen_url("tcp://127.0.0.1:0?" + rewritten(*url->faults));
    const auto* second = std::get_if<core::listen_url>(&again);
    require(second != nullptr && second->faults, "the rewritten keys parse");
    const auto& a = *url->faults;
    const auto& b = *second->faults;
    require(a.direction == b.direction && a.seed == b.seed && a.rate == b.rate &&
                a.close_after == b.close_after && a.reset_after == b.reset_after &&
                a.slice_average == b.slice_average && a.slice_variation == b.slice_variation,
            "the rewritten keys mean the same");
    return 0;
}
