// Bucket b >= 128 covers [ (128 + sub) << shift, (129 + sub) << shift ): a bucket is
// 1/128 of its power of two wide, so its midpoint is within 1/256 of any member.
#include "core/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace echo::core {

namespace {

constexpr unsigned kSubBits = 7;
constexpr std::uint64_t kSub = std::uint64_t{1} << kSubBits;
constexpr unsigned kTopExponent = 36;  // 2^36 ns is about 69 s
constexpr std::size_t kBuckets = kSub + (kTopExponent - kSubBits) * kSub;

}  // namespace

latency_histogram::latency_histogram() : counts_(kBuckets, 0) {}

std::size_t latency_histogram::bucket_of(std::uint64_t ns) noexcept {
    if (ns < kSub) {
        return static_cast<std::size_t>(ns);
    }
    const unsigned exponent = static_cast<unsigned>(std::bit_width(ns)) - 1;
    if (exponent >= kTopExponent) {
        return kBuckets - 1;
    }
    const unsigned shift = exponent - kSubBits;
    const std::uint64_t sub = (ns >> shift) - kSub;
    return static_cast<std::size_t>(kSub + (exponent - kSubBits) * kSub + sub);
}

std::uint64_t latency_histogram::bucket_low(std::size_t bucket) noexcept {
    if (bucket < kSub) {
        return bucket;
    }
    const std::size_t shift = (bucket - kSub) / kSub;
    const std::uint64_t sub = (bucket - kSub) % kSub;
    return (kSub + sub) << shift;
}

std::uint64_t latency_histogram::bucket_high(std::size_t bucket) noexcept {
    return bucket + 1 < kBuckets ? bucket_low(bucket + 1) : UINT64_MAX;
}

void latency_histogram::record(std::uint64_t ns) noexcept {
    ++counts_[bucket_of(ns)];
    ++count_;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
    sum_ += static_cast<long double>(ns);
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) {
        counts_[i] += other.counts_[i];
    }
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

void latency_histogram::reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = 0;
    min_ = UINT64_MAX;
    max_ = 0;
    sum_ = 0;
}

double latency_histogram::mean() const noexcept {
    return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t latency_histogram::percentile(double p) const noexcept {
    if (count_ == 0) {
        return 0;
    }
    // The epsilon keeps 99.9 % of 1000 at rank 999 despite binary fractions.
    const auto wanted = static_cast<std::uint64_t>(
        std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(count_) - 1e-9));
    const std::uint64_t rank = std::max<std::uint64_t>(wanted, 1);
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
        seen += counts_[b];
        if (seen >= rank) {
            const std::uint64_t low = bucket_low(b);
            const std::uint64_t mid = b < kSub ? low : low + (bucket_high(b) - low) / 2;
            return std::clamp(mid, min(), max_);
        }
    }
    return max_;
}

}  // namespace echo::core
