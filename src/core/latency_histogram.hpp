// Log-linear latency histogram over nanoseconds: 128 sub-buckets per power of two
// keep every reported value within 0.4 % of the truth from 1 µs to 60 s, in a
// fixed 30 KiB that recording never grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace echo::core {

class latency_histogram {
public:
    latency_histogram();

    void record(std::uint64_t ns) noexcept;
    void merge(const latency_histogram& other) noexcept;
    void reset() noexcept;

    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
    [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
    [[nodiscard]] double mean() const noexcept;
    // The value at percentile `p` (0 < p <= 100): the midpoint of the bucket that
    // holds the ceil(p% * count)-th smallest sample, clamped to [min, max].
    [[nodiscard]] std::uint64_t percentile(double p) const noexcept;

    // Exposed for tests: which bucket a value falls in, and that bucket's bounds.
    [[nodiscard]] static std::size_t bucket_of(std::uint64_t ns) noexcept;
    [[nodiscard]] static std::uint64_t bucket_low(std::size_t bucket) noexcept;
    [[nodiscard]] static std::uint64_t bucket_high(std::size_t bucket) noexcept;

private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

}  // namespace echo::core
