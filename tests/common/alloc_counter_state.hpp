#pragma once
// The counter of alloc_counter.hpp without the replaced operators: include it
// in the other source files of a test executable that use the counter (the
// operators themselves come from alloc_counter.hpp, in exactly one file).
#include <atomic>
#include <cstddef>
#include <cstdlib>

namespace wirebook::test {
inline std::atomic<bool> g_counting{false};
inline std::atomic<std::size_t> g_allocs{0};

inline void* counted_alloc(std::size_t n) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}

// True when the counter sees a plain `new` (call with counting off).
inline bool alloc_counter_works() {
  g_allocs = 0;
  g_counting = true;
  auto* probe = new int(1);
  g_counting = false;
  delete probe;
  const bool seen = g_allocs.load() == 1;
  g_allocs = 0;
  return seen;
}
}  // namespace wirebook::test
