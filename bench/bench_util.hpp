#pragma once
// Small helpers shared by the benchmarks: clock, percentiles, CPU name, pinning.
#include <cstdint>
#include <string>
#include <vector>

namespace wirebook::bench {

// CLOCK_MONOTONIC in nanoseconds.
std::int64_t now_ns() noexcept;

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

// The CPU a single-threaded benchmark pins itself to: $WIREBOOK_BENCH_CPU when
// set (to keep two benchmarks apart on a small host), else `fallback`.
[[nodiscard]] int bench_cpu(int fallback) noexcept;

// Pins the calling thread to `cpu`; false when not permitted or out of range.
bool pin_to_cpu(int cpu);

// Prints one result line: "<name>: p50 X ns  p99 Y ns  p99.9 Z ns (n samples)".
void print_line(const std::string& name, const Percentiles& p, const char* unit = "ns");

}  // namespace wirebook::bench
