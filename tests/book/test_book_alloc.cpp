// Proves that book updates allocate nothing after construction by counting
// calls to the global operator new while a counting flag is on.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "book/l2_book.hpp"

// The replacement operators below pair malloc with free, which is correct; GCC
// cannot see that through inlining and warns.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_allocs{0};
}  // namespace

namespace {
void* counted_alloc(std::size_t n) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace

// Every replaceable (non-aligned) form, so that all of them pair with free().
void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

using wirebook::book::L2Book;
using wirebook::book::Level;
using wirebook::book::Side;

TEST_CASE("book updates allocate nothing after construction", "[book][alloc]") {
  L2Book book(1000);
  std::vector<Level> snap_bids;
  std::vector<Level> snap_asks;
  for (std::int64_t k = 0; k < 1500; ++k) {
    snap_bids.push_back({100'000 - k, 1 + k});
    snap_asks.push_back({100'001 + k, 1 + k});
  }
  std::vector<Level> out(1000);
  std::mt19937_64 rng(42);
  // Sanity: the counter does see allocations.
  g_counting = true;
  auto* probe = new int(1);
  g_counting = false;
  delete probe;
  REQUIRE(g_allocs.load() == 1);
  g_allocs = 0;

  g_counting = true;
  const bool snap_ok = book.apply_snapshot(snap_bids, snap_asks);
  for (int i = 0; i < 200'000; ++i) {
    const Side s = (rng() & 1U) != 0 ? Side::bid : Side::ask;
    const auto off = static_cast<std::int64_t>(rng() % 3000);
    const std::int64_t px = s == Side::bid ? 100'000 - off : 100'001 + off;
    (void)book.set_level(s, px, static_cast<std::int64_t>(rng() % 4));
  }
  (void)book.copy_top(Side::bid, out.data(), out.size());
  book.clear();
  g_counting = false;
  CHECK(snap_ok);
  CHECK(g_allocs.load() == 0);
}
