// A fixed-size log-linear latency histogram in the manner of HdrHistogram: values below 2^kSubBits
// are counted exactly; above, every power-of-two range ("octave") is split into 2^(kSubBits-1)
// equal buckets, so a bucket is at most 1/128 (0.8%) of its value wide. Values are nanoseconds up
// to 2^kMaxBits (about 18 minutes); larger values land in the last bucket. record() is a few
// instructions and never allocates; histograms of several lcores or trials merge by adding counts.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace rtpx::bench {

class LatencyHistogram {
  public:
    static constexpr unsigned kSubBits = 8;  // 256 exact values
    static constexpr std::uint64_t kExact = std::uint64_t{1} << kSubBits;
    static constexpr std::uint64_t kHalf = kExact / 2;  // buckets per octave
    static constexpr unsigned kMaxBits = 40;
    static constexpr std::size_t kBuckets = kExact + (kMaxBits - kSubBits + 1) * kHalf;

    [[nodiscard]] static constexpr std::size_t bucket_of(std::uint64_t v) noexcept {
        if (v < kExact) return static_cast<std::size_t>(v);
        const unsigned msb = 63 - static_cast<unsigned>(std::countl_zero(v));
        const unsigned shift = msb - (kSubBits - 1);  // (v >> shift) in [kHalf, kExact)
        const std::size_t idx = kExact + (shift - 1) * kHalf + ((v >> shift) - kHalf);
        return std::min(idx, kBuckets - 1);
    }
    // The smallest and largest value a bucket holds.
    [[nodiscard]] static constexpr std::uint64_t bucket_low(std::size_t idx) noexcept {
        if (idx < kExact) return idx;
        const std::size_t shift = (idx - kExact) / kHalf + 1;
        const std::uint64_t m = (idx - kExact) % kHalf + kHalf;
        return m << shift;
    }
    [[nodiscard]] static constexpr std::uint64_t bucket_high(std::size_t idx) noexcept {
        if (idx < kExact) return idx;
        const std::size_t shift = (idx - kExact) / kHalf + 1;
        const std::uint64_t m = (idx - kExact) % kHalf + kHalf;
        return ((m + 1) << shift) - 1;
    }

    void record(std::uint64_t v) noexcept {
        ++counts_[bucket_of(v)];
        ++count_;
        sum_ += v;
        min_ = std::min(min_, v);
        max_ = std::max(max_, v);
    }
    void merge(const LatencyHistogram& o) noexcept {
        for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
        count_ += o.count_;
        sum_ += o.sum_;
        min_ = std::min(min_, o.min_);
        max_ = std::max(max_, o.max_);
    }
    void reset() noexcept { *this = LatencyHistogram(); }

    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
    [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
    [[nodiscard]] double mean() const noexcept {
        return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
    }
    [[nodiscard]] std::uint64_t bucket_count(std::size_t idx) const noexcept {
        return counts_[idx];
    }

    // The value at quantile q (0..1): the highest value of the bucket holding the ceil(q *
    // count)-th smallest sample, clamped to [min, max]; exact for values below 256 ns. 0 when
    // empty.
    [[nodiscard]] std::uint64_t percentile(double q) const noexcept {
        if (count_ == 0) return 0;
        q = std::clamp(q, 0.0, 1.0);
        auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.999999999);
        rank = std::clamp<std::uint64_t>(rank, 1, count_);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < kBuckets; ++i) {
            seen += counts_[i];
            if (seen >= rank) return std::clamp(bucket_high(i), min(), max_);
        }
        return max_;
    }

  private:
    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t max_ = 0;
};

}  // namespace rtpx::bench
