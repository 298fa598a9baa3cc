#pragma once
// Clocks for the feed layer. Both go through the vDSO (no kernel entry).
#include <time.h>

#include <cstdint>

namespace wirebook::feeds {

// CLOCK_REALTIME in ns: receive and publish timestamps (DESIGN §4).
[[nodiscard]] inline std::int64_t realtime_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// CLOCK_MONOTONIC in ns: timers, staleness, backoff.
[[nodiscard]] inline std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace wirebook::feeds
