#include "feeds/common/clock.hpp"

#include <fstream>
#include <string>

namespace wirebook::feeds {
bool TscRealtime::invariant_tsc() noexcept {
#if defined(__x86_64__)
  static const bool ok = [] {
    try {
      std::ifstream in("/proc/cpuinfo");
      std::string line;
      while (std::getline(in, line)) {
        if (line.rfind("flags", 0) == 0) {
          return line.find(" constant_tsc") != std::string::npos &&
                 line.find(" nonstop_tsc") != std::string::npos;
        }
      }
    } catch (...) {
    }
    return false;
  }();
  return ok;
#else
  return false;
#endif
}

TscRealtime::TscRealtime(bool use_tsc) noexcept : use_tsc_(use_tsc && invariant_tsc()) {}

std::int64_t TscRealtime::reanchor() noexcept {
  if (!use_tsc_) return clamp(untapped_realtime_ns());
#if defined(__x86_64__)
  // The pair (realtime, tsc) is only as good as the gap between its reads (a
  // preemption there would skew every extrapolation): bracket clock_gettime
  // with two rdtsc and keep the tightest of three tries.
  std::int64_t ns = 0;
  std::uint64_t t = 0;
  std::uint64_t best_gap = ~std::uint64_t{0};
  for (int k = 0; k < 3; ++k) {
    const std::uint64_t t1 = __builtin_ia32_rdtsc();
    const std::int64_t n = untapped_realtime_ns();
    const std::uint64_t t2 = __builtin_ia32_rdtsc();
    if (t2 >= t1 && t2 - t1 < best_gap) {
      best_gap = t2 - t1;
      ns = n;
      t = t1 + (t2 - t1) / 2;
    }
  }
  if (best_gap == ~std::uint64_t{0}) return clamp(untapped_realtime_ns());  // TSC went backwards
  if (origin_tsc_ == 0 || ns < origin_ns_ || t < origin_tsc_) {
    origin_tsc_ = t;  // first call, or realtime stepped back: measure afresh
    origin_ns_ = ns;
  } else if (const std::int64_t span = ns - origin_ns_;
             span >= (long_rate_ ? 1'000'000'000 : 10'000'000)) {
    const double rate = static_cast<double>(span) / static_cast<double>(t - origin_tsc_);
    // A realtime step forward inside the span shows as a rate off by more
    // than any slew: skip it, unless it persists (then it is the new rate).
    const bool plausible =
        !long_rate_ || (rate > ns_per_tick_ * 0.999 && rate < ns_per_tick_ * 1.001);
    if (plausible || ++rejected_ >= 3) {
      long_rate_ = rate_ready_;  // the first span is short (10 ms), later ones >= 1 s
      rejected_ = 0;
      ns_per_tick_ = rate;
      reanchor_ticks_ = static_cast<std::uint64_t>(static_cast<double>(kReanchorNs) / rate);
      rate_ready_ = reanchor_ticks_ > 0;
    }
    origin_tsc_ = t;
    origin_ns_ = ns;
  }
  anchor_tsc_ = t;
  anchor_ns_ = ns;
  return clamp(ns);
#else
  return clamp(untapped_realtime_ns());
#endif
}

}  // namespace wirebook::feeds
