#include "bench/bench_util.hpp"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace wirebook::bench {

std::int64_t now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace {
double g_ns_per_tick = 1.0;
}  // namespace

double calibrate_tsc() {
  const std::int64_t t0 = now_ns();
  const std::int64_t c0 = tsc_stamp();
  while (now_ns() - t0 < 100'000'000) {
  }
  const std::int64_t t1 = now_ns();
  const std::int64_t c1 = tsc_stamp();
  g_ns_per_tick = static_cast<double>(t1 - t0) / static_cast<double>(c1 - c0);
  return g_ns_per_tick;
}

double ticks_to_ns(std::int64_t ticks) noexcept {
  return static_cast<double>(ticks) * g_ns_per_tick;
}

Percentiles percentiles(std::vector<double>& samples) {
  Percentiles p;
  p.samples = samples.size();
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  auto rank = [&](double q) {
    auto i = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
    return samples[std::min(i, samples.size() - 1)];
  };
  p.p50 = rank(0.50);
  p.p99 = rank(0.99);
  p.p999 = rank(0.999);
  p.max = samples.back();
  return p;
}

std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown cpu";
}

int cpu_from_env(const char* name, int fallback) noexcept {
  const char* env = std::getenv(name);
  return (env != nullptr && *env >= '0' && *env <= '9') ? std::atoi(env) : fallback;
}

int bench_cpu(int fallback) noexcept {
  return cpu_from_env("WIREBOOK_BENCH_CPU", fallback);
}

bool pin_to_cpu(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

void print_line(const std::string& name, const Percentiles& p, const char* unit) {
  std::printf("%-48s p50 %9.1f %s  p99 %9.1f %s  p99.9 %9.1f %s  (%zu samples)\n", name.c_str(),
              p.p50, unit, p.p99, unit, p.p999, unit, p.samples);
}

}  // namespace wirebook::bench
