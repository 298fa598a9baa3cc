#pragma once
// Small helpers shared by the benchmarks: clocks, percentiles, CPU name, pinning.
#include <x86intrin.h>

#include <cstdint>
#include <string>
#include <vector>

namespace wirebook::bench {

// CLOCK_MONOTONIC in nanoseconds.
std::int64_t now_ns() noexcept;

// One-way latencies between threads or processes: the sender stamps the TSC
// (rdtsc; invariant and synchronised across cores on hosts whose kernel
// clocksource is "tsc"), the receiver reads it on receipt with rdtscp, which
// waits for its earlier loads. (clock_gettime costs ~50 ns on the KVM guest we
// measured on, rdtsc far less.)
inline std::int64_t tsc_stamp() noexcept {
  return static_cast<std::int64_t>(__rdtsc());
}
inline std::int64_t tsc_now() noexcept {
  unsigned aux = 0;
  return static_cast<std::int64_t>(__rdtscp(&aux));
}
// Measures the TSC against CLOCK_MONOTONIC for 100 ms; returns ns per tick,
// which ticks_to_ns uses from then on.
double calibrate_tsc();
double ticks_to_ns(std::int64_t ticks) noexcept;

struct Percentiles {
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
  std::size_t samples = 0;
};

// Sorts `samples` in place and returns the percentiles (nearest-rank).
Percentiles percentiles(std::vector<double>& samples);

// "model name" from /proc/cpuinfo, or "unknown cpu".
std::string cpu_name();

// A CPU number from the environment variable `name` when it holds one, else `fallback`.
[[nodiscard]] int cpu_from_env(const char* name, int fallback) noexcept;

// The CPU a single-threaded benchmark pins itself to: $WIREBOOK_BENCH_CPU when
// set (to keep two benchmarks apart on a small host), else `fallback`.
[[nodiscard]] int bench_cpu(int fallback) noexcept;

// Pins the calling thread to `cpu`; false when not permitted or out of range.
bool pin_to_cpu(int cpu);

// Prints one result line: "<name>: p50 X ns  p99 Y ns  p99.9 Z ns (n samples)".
void print_line(const std::string& name, const Percentiles& p, const char* unit = "ns");

}  // namespace wirebook::bench
