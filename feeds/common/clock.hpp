#pragma once
// Clocks for the feed layer. realtime_ns and monotonic_ns go through the vDSO
// (no kernel entry); TscRealtime reads CLOCK_REALTIME from the TSC for the
// per-frame publish timestamp.
#include <time.h>

#include <cstdint>

namespace wirebook::feeds {

// Record and replay (README "Recordings"): while a venue's input is handed to
// its feed, the recorder installs a tap on the venue thread that keeps every
// realtime value the feed layer reads (status and publish timestamps); replay
// installs one that gives the recorded values back in the same order, so the
// books and ring records come out byte-identical. No tap: the clock as is.
class ClockTap {
 public:
  virtual ~ClockTap() = default;
  [[nodiscard]] virtual std::int64_t realtime(std::int64_t clock_ns) noexcept = 0;
};
inline thread_local ClockTap* t_clock_tap = nullptr;

[[nodiscard]] inline std::int64_t tapped_realtime(std::int64_t clock_ns) noexcept {
  return t_clock_tap == nullptr ? clock_ns : t_clock_tap->realtime(clock_ns);
}

// CLOCK_REALTIME in ns, never through a tap (the clocks' own arithmetic).
[[nodiscard]] inline std::int64_t untapped_realtime_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// CLOCK_REALTIME in ns: receive and publish timestamps (DESIGN §4).
[[nodiscard]] inline std::int64_t realtime_ns() noexcept {
  return tapped_realtime(untapped_realtime_ns());
}

// A venue's millisecond timestamp in ns. Venue-supplied, so a value whose ns
// do not fit in int64 (beyond year 2262, or garbage) becomes 0, "no exchange
// time", instead of overflowing.
[[nodiscard]] constexpr std::int64_t ms_to_ns(std::int64_t ms) noexcept {
  std::int64_t ns = 0;
  return __builtin_mul_overflow(ms, std::int64_t{1'000'000}, &ns) ? 0 : ns;
}

// CLOCK_MONOTONIC in ns: timers, staleness, backoff.
[[nodiscard]] inline std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// CLOCK_REALTIME extrapolated from the TSC: on the hot path one rdtsc, a
// multiply and an add (clock_gettime costs 20-40 ns here, its rdtsc being
// fenced). Every kReanchorNs of TSC time the anchor is re-read with
// clock_gettime, so a realtime step shows within that and NTP slewing bends
// the extrapolation by at most ppm x kReanchorNs (500 ppm: 50 ns); the rate is
// re-measured over the last >= 1 s. Until the first rate measurement (10 ms
// after the first call), and on hosts without an invariant TSC, every call is
// clock_gettime. Single-threaded: one per venue thread.
class TscRealtime {
 public:
  static constexpr std::int64_t kReanchorNs = 100'000;
  // use_tsc=false forces clock_gettime (tests; hosts without invariant TSC are
  // detected either way).
  explicit TscRealtime(bool use_tsc = true) noexcept;

  // True once calls are extrapolated from the TSC.
  [[nodiscard]] bool extrapolating() const noexcept { return rate_ready_; }
  // The host's TSC ticks at one rate in every power state (x86 flags
  // constant_tsc and nonstop_tsc).
  [[nodiscard]] static bool invariant_tsc() noexcept;

  [[nodiscard]] std::int64_t now() noexcept {
#if defined(__x86_64__)
    if (rate_ready_) {
      const std::uint64_t t = __builtin_ia32_rdtsc();
      const std::uint64_t dt = t - anchor_tsc_;
      if (dt < reanchor_ticks_) {
        const auto ns = static_cast<std::int64_t>(static_cast<double>(dt) * ns_per_tick_);
        return tapped_realtime(clamp(anchor_ns_ + ns));
      }
    }
#endif
    return tapped_realtime(reanchor());
  }

 private:
  std::int64_t reanchor() noexcept;
  // Never a small step back (extrapolation error across a re-anchor); a real
  // realtime step back (> 1 us) is followed.
  std::int64_t clamp(std::int64_t ns) noexcept {
    if (ns < last_ns_ && last_ns_ - ns < 1'000) return last_ns_;
    last_ns_ = ns;
    return ns;
  }

  bool use_tsc_;
  bool rate_ready_ = false;
  bool long_rate_ = false;  // ns_per_tick_ comes from a span of >= 1 s
  int rejected_ = 0;        // implausible rates in a row
  double ns_per_tick_ = 0;
  std::uint64_t reanchor_ticks_ = 0;
  std::uint64_t anchor_tsc_ = 0;
  std::int64_t anchor_ns_ = 0;
  std::uint64_t origin_tsc_ = 0;  // start of the current rate measurement
  std::int64_t origin_ns_ = 0;
  std::int64_t last_ns_ = 0;
};

}  // namespace wirebook::feeds
