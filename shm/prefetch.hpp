#pragma once
// Cache-line prefetches for an idle venue thread keeping its hot path warm
// (the daemon's HotPathWarmer): the writer's next slot copies, the books'
// state, the feed's own state. Header-only; shm/ and feeds/ share it.
#include <cstddef>

namespace wirebook::shm {

inline constexpr std::size_t kCacheLine = 64;

// Prefetches [p, p + bytes) for writing (the lines the next frame stores
// into), a cache line at a time. Stores nothing.
inline void prefetch_for_write(const void* p, std::size_t bytes) noexcept {
  const char* c = static_cast<const char*>(p);
  for (std::size_t off = 0; off < bytes; off += kCacheLine) __builtin_prefetch(c + off, 1, 3);
}

}  // namespace wirebook::shm
