// A token bucket over a monotonic nanosecond clock. Rate and burst are passed per
// call so that many buckets sharing one setting stay three words each.
#pragma once

#include <algorithm>
#include <cstdint>

namespace echo::core {

class token_bucket {
public:
    token_bucket() = default;
    // Starts full: a new source is allowed its burst at once.
    token_bucket(double burst, std::int64_t now_ns) noexcept
        : tokens_(burst), refilled_ns_(now_ns) {}

    // Whether the bucket holds its whole burst by `now_ns`: forgetting it then
    // forgives nothing, as a new bucket starts full.
    [[nodiscard]] bool full(double rate, double burst, std::int64_t now_ns) const noexcept {
        const double elapsed = static_cast<double>(now_ns - refilled_ns_) / 1e9;
        return tokens_ + std::max(0.0, elapsed) * rate >= burst;
    }

    // Takes one token if there is one; `rate` tokens a second, at most `burst` saved.
    [[nodiscard]] bool take(double rate, double burst, std::int64_t now_ns) noexcept {
        const double elapsed = static_cast<double>(now_ns - refilled_ns_) / 1e9;
        tokens_ = std::min(burst, tokens_ + std::max(0.0, elapsed) * rate);
        refilled_ns_ = now_ns;
        if (tokens_ < 1.0) {
            return false;
        }
        tokens_ -= 1.0;
        return true;
    }

private:
    double tokens_ = 0;
    std::int64_t refilled_ns_ = 0;
};

}  // namespace echo::core
