// Proves that book updates allocate nothing after construction by counting
// calls to the global operator new while a counting flag is on.
#include <catch2/catch.hpp>

#include <random>

#include "book/l2_book.hpp"
#include "tests/common/alloc_counter.hpp"

using wirebook::test::g_allocs;
using wirebook::test::g_counting;

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
