#include <catch2/catch.hpp>

#include <vector>

#include "book/l2_book.hpp"

using wirebook::book::ApplyResult;
using wirebook::book::L2Book;
using wirebook::book::Level;
using wirebook::book::Side;

namespace {
std::vector<Level> top(const L2Book& b, Side s, std::size_t n = 100) {
  std::vector<Level> out(n);
  out.resize(b.copy_top(s, out.data(), n));
  return out;
}
}  // namespace

TEST_CASE("levels are kept best first on each side", "[book]") {
  L2Book b(10);
  CHECK(b.set_level(Side::bid, 100, 5) == ApplyResult::inserted);
  CHECK(b.set_level(Side::bid, 102, 1) == ApplyResult::inserted);
  CHECK(b.set_level(Side::bid, 101, 2) == ApplyResult::inserted);
  CHECK(b.set_level(Side::ask, 105, 3) == ApplyResult::inserted);
  CHECK(b.set_level(Side::ask, 103, 4) == ApplyResult::inserted);
  CHECK(top(b, Side::bid) == std::vector<Level>{{102, 1}, {101, 2}, {100, 5}});
  CHECK(top(b, Side::ask) == std::vector<Level>{{103, 4}, {105, 3}});
  Level best{};
  REQUIRE(b.best(Side::bid, best));
  CHECK(best == Level{102, 1});
  CHECK_FALSE(b.crossed());
  CHECK(b.qty_at(Side::bid, 101) == 2);
  CHECK(b.qty_at(Side::bid, 99) == 0);
}

TEST_CASE("zero quantity deletes and unknown deletes change nothing", "[book]") {
  L2Book b(10);
  REQUIRE(b.set_level(Side::ask, 10, 1) == ApplyResult::inserted);
  const auto v = b.version();
  CHECK(b.set_level(Side::ask, 11, 0) == ApplyResult::absent_delete);
  CHECK(b.version() == v);
  CHECK(b.set_level(Side::ask, 10, 7) == ApplyResult::updated);
  CHECK(b.set_level(Side::ask, 10, 0) == ApplyResult::deleted);
  CHECK(b.level_count(Side::ask) == 0);
  CHECK(b.version() == v + 2);
  CHECK(b.set_level(Side::ask, 10, -1) == ApplyResult::negative_qty);
}

TEST_CASE("a full side keeps the best levels and counts evictions", "[book]") {
  L2Book b(3);
  for (std::int64_t p : {100, 101, 102})
    REQUIRE(b.set_level(Side::bid, p, 1) == ApplyResult::inserted);
  CHECK_FALSE(b.truncated());
  CHECK(b.set_level(Side::bid, 99, 1) == ApplyResult::dropped_full);
  CHECK(b.set_level(Side::bid, 103, 1) == ApplyResult::evicted_worst);
  CHECK(b.set_level(Side::bid, 100, 1) == ApplyResult::dropped_full);  // 100 was evicted
  CHECK(top(b, Side::bid) == std::vector<Level>{{103, 1}, {102, 1}, {101, 1}});
  CHECK(b.evictions() == 3);
  CHECK(b.truncated());
  b.clear();
  CHECK_FALSE(b.truncated());
  CHECK(b.empty());
}

TEST_CASE("a snapshot replaces the book whatever the input order", "[book]") {
  L2Book b(4);
  REQUIRE(b.set_level(Side::bid, 1, 1) == ApplyResult::inserted);
  const std::vector<Level> bids_best_first{{105, 1}, {104, 2}, {103, 3}, {102, 4}, {101, 5}};
  const std::vector<Level> asks_worst_first{{110, 1}, {109, 0}, {108, 3}};
  REQUIRE(b.apply_snapshot(bids_best_first, asks_worst_first));
  CHECK(top(b, Side::bid) == std::vector<Level>{{105, 1}, {104, 2}, {103, 3}, {102, 4}});
  CHECK(top(b, Side::ask) == std::vector<Level>{{108, 3}, {110, 1}});
  CHECK(b.evictions() == 1);
  const std::vector<Level> shuffled{{3, 1}, {1, 1}, {2, 1}, {3, 9}};
  REQUIRE(b.apply_snapshot(shuffled, {}));
  CHECK(top(b, Side::bid) == std::vector<Level>{{3, 9}, {2, 1}, {1, 1}});
  CHECK(b.level_count(Side::ask) == 0);
  const std::vector<Level> negative{{3, -1}};
  CHECK_FALSE(b.apply_snapshot(negative, {}));
  CHECK(b.empty());
}

TEST_CASE("crossed is reported when best bid reaches best ask", "[book]") {
  L2Book b(4);
  REQUIRE(b.set_level(Side::bid, 100, 1) == ApplyResult::inserted);
  REQUIRE(b.set_level(Side::ask, 101, 1) == ApplyResult::inserted);
  CHECK_FALSE(b.crossed());
  REQUIRE(b.set_level(Side::bid, 101, 1) == ApplyResult::inserted);
  CHECK(b.crossed());
}

TEST_CASE("rescaling multiplies exactly or leaves the book unchanged", "[book]") {
  L2Book b(4);
  REQUIRE(b.set_level(Side::bid, 5674915, 3) == ApplyResult::inserted);
  REQUIRE(b.scale_prices(2));
  CHECK(b.qty_at(Side::bid, 567491500) == 3);
  REQUIRE(b.set_level(Side::ask, 4'000'000'000'000'000'000LL, 1) == ApplyResult::inserted);
  CHECK_FALSE(b.scale_prices(1));
  CHECK(b.qty_at(Side::bid, 567491500) == 3);
  REQUIRE(b.scale_quantities(3));
  CHECK(b.qty_at(Side::bid, 567491500) == 3000);
}
