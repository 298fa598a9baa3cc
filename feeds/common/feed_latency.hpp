#pragma once
// Feed latency of one venue (issue 21): for every book publication, the
// venue's own timestamp of the update (its "ts", exchange time) against our
// receive time, p50 and p99 over a sliding window of the last kSeconds
// one-second histograms. The figure includes the offset between the venue's
// clock and ours (README "Feed latency"): a sample whose exchange time is
// ahead of our receive time is counted as `ahead` and taken as 0.
//
// Threading: the venue thread only (add() per publication, roll() from its
// tick); no allocation after construction, nothing throws.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace wirebook::feeds {

class FeedLatency {
 public:
  static constexpr std::size_t kSeconds = 10;  // the window
  static constexpr unsigned kSubBits = 4;      // 16 buckets per power of two (6.25 %)
  static constexpr std::size_t kSub = std::size_t{1} << kSubBits;
  static constexpr unsigned kMinBits = 10;  // [0, 1024 ns): one bucket
  static constexpr unsigned kMaxBits = 36;  // >= 2^36 ns (68.7 s): one bucket
  static constexpr std::size_t kBuckets = 1 + (kMaxBits - kMinBits) * kSub + 1;

  struct Quantiles {
    std::int64_t p50_ns = 0;  // bucket upper bounds (at most 6.25 % above the sample)
    std::int64_t p99_ns = 0;
    std::uint64_t samples = 0;  // publications with an exchange time in the window
    std::uint64_t ahead = 0;    // of those, exchange time ahead of our receive time
  };

  // Exclusive upper bound of bucket i (the last bucket: its lower bound).
  [[nodiscard]] static constexpr std::int64_t upper_bound_ns(std::size_t i) noexcept {
    if (i == 0) return std::int64_t{1} << kMinBits;
    if (i >= kBuckets - 1) return std::int64_t{1} << kMaxBits;
    const std::size_t octave = (i - 1) / kSub;
    const std::size_t sub = (i - 1) % kSub;
    return static_cast<std::int64_t>((kSub + sub + 1) << (kMinBits - kSubBits + octave));
  }
  [[nodiscard]] static constexpr std::size_t bucket_of(std::int64_t ns) noexcept {
    if (ns < (std::int64_t{1} << kMinBits)) return 0;
    const auto v = static_cast<std::uint64_t>(ns);
    const auto top = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= kMinBits
    if (top >= kMaxBits) return kBuckets - 1;
    return 1 + (top - kMinBits) * kSub + ((v >> (top - kSubBits)) & (kSub - 1));
  }

  // One publication: `latency_ns` = receive time - exchange time. Hot.
  void add(std::int64_t latency_ns) noexcept {
    Second& s = seconds_[current_];
    ++s.count[bucket_of(latency_ns)];
    if (latency_ns < 0) ++s.ahead;
  }

  // From the venue thread's tick: once a second has passed since the last
  // roll, closes the current second, computes the window's quantiles into
  // `out` and returns true (the first call only starts the clock).
  bool roll(std::int64_t now_monotonic_ns, Quantiles& out) noexcept {
    if (started_ns_ == 0) {
      started_ns_ = now_monotonic_ns;
      return false;
    }
    if (now_monotonic_ns - started_ns_ < 1'000'000'000) return false;
    started_ns_ = now_monotonic_ns;
    out = quantiles();
    current_ = (current_ + 1) % kSeconds;
    seconds_[current_] = Second{};
    return true;
  }

 private:
  struct Second {
    std::array<std::uint32_t, kBuckets> count{};
    std::uint32_t ahead = 0;
  };

  [[nodiscard]] Quantiles quantiles() const noexcept {
    Quantiles q;
    std::array<std::uint64_t, kBuckets> sum{};
    for (const Second& s : seconds_) {
      for (std::size_t i = 0; i < kBuckets; ++i) sum[i] += s.count[i];
      q.ahead += s.ahead;
    }
    for (std::uint64_t c : sum) q.samples += c;
    if (q.samples == 0) return q;
    q.p50_ns = quantile(sum, q.samples, 50);
    q.p99_ns = quantile(sum, q.samples, 99);
    return q;
  }

  // Upper bound of the bucket holding the ceil(n * pct / 100)-th sample.
  [[nodiscard]] static std::int64_t quantile(const std::array<std::uint64_t, kBuckets>& sum,
                                             std::uint64_t n, std::uint64_t pct) noexcept {
    const std::uint64_t rank = (n * pct + 99) / 100;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += sum[i];
      if (seen >= rank) return upper_bound_ns(i);
    }
    return upper_bound_ns(kBuckets - 1);
  }

  std::array<Second, kSeconds> seconds_{};
  std::size_t current_ = 0;
  std::int64_t started_ns_ = 0;
};

}  // namespace wirebook::feeds
