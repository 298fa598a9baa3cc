// The venue-neutral REST cross-check (feeds/common/rest_check.hpp): the top
// levels of a book against a REST book's texts, and when a book is due, how a
// mismatch is confirmed and when it is a drift.
#include <catch2/catch.hpp>

#include <vector>

#include "feeds/common/rest_check.hpp"

using namespace wirebook;
using feeds::LevelText;
using feeds::RestBookCheck;
using feeds::RestVerdict;

namespace {

// Bids 100.0 x 2, 99.5 x 1, 99.0 x 4; asks 101.0 x 3, 102.0 x 1 (exponents -1, -1).
book::L2Book sample() {
  book::L2Book b(64);
  const std::vector<book::Level> bids = {{1000, 20}, {995, 10}, {990, 40}};
  const std::vector<book::Level> asks = {{1010, 30}, {1020, 10}};
  REQUIRE(b.apply_snapshot(bids, asks));
  return b;
}

bool equal(const book::L2Book& b, const std::vector<LevelText>& bids,
           const std::vector<LevelText>& asks, std::size_t depth) {
  return feeds::top_levels_equal(b, -1, -1, bids, asks, depth);
}

}  // namespace

TEST_CASE("top levels equal: REST texts in any order, extra levels beyond the depth ignored",
          "[feeds][rest_check]") {
  const auto b = sample();
  CHECK(equal(b, {{"99.5", "1"}, {"100", "2.0"}, {"50", "7"}}, {{"102", "1"}, {"101", "3"}}, 2));
  CHECK(equal(b, {{"100", "2"}}, {{"101", "3"}}, 1));
  CHECK(equal(b, {{"99", "4"}, {"100", "2"}, {"99.5", "1"}, {"98", "0"}},
              {{"101", "3"}, {"102", "1"}}, 10));  // size 0 skipped; both have all levels
}

TEST_CASE("top levels differ: a size, a missing or extra level, finer decimals, not a number",
          "[feeds][rest_check]") {
  const auto b = sample();
  CHECK_FALSE(equal(b, {{"100", "2.1"}, {"99.5", "1"}}, {{"101", "3"}, {"102", "1"}}, 2));
  CHECK_FALSE(equal(b, {{"100", "2"}}, {{"101", "3"}, {"102", "1"}}, 2));  // a bid missing
  CHECK_FALSE(equal(b, {{"100.5", "1"}, {"100", "2"}, {"99.5", "1"}}, {{"101", "3"}}, 2));
  CHECK_FALSE(equal(b, {{"100", "2"}}, {}, 1));                 // asks gone
  CHECK_FALSE(equal(b, {{"100.05", "2"}}, {{"101", "3"}}, 1));  // finer than the book
  CHECK_FALSE(equal(b, {{"abc", "2"}}, {{"101", "3"}}, 1));
  CHECK_FALSE(equal(b, {{"99", "4"}, {"100", "2"}, {"99.5", "1"}, {"98", "1"}},
                    {{"101", "3"}, {"102", "1"}}, 10));  // REST deeper than the book
}

TEST_CASE("a check is due an interval after LIVE; a mismatch is confirmed, two are a drift",
          "[feeds][rest_check]") {
  RestBookCheck c(2, 10, 3);
  CHECK(c.enabled());
  c.restart(0, 100);
  CHECK_FALSE(c.take_due(0, 109));
  CHECK(c.take_due(0, 110));
  CHECK_FALSE(c.take_due(0, 500));  // outstanding
  CHECK(c.compared(0, false, 111) == RestVerdict::mismatch);
  CHECK_FALSE(c.take_due(0, 113));
  CHECK(c.take_due(0, 114));  // confirm after 3
  CHECK(c.compared(0, true, 114) == RestVerdict::same);
  CHECK(c.take_due(0, 124));
  CHECK(c.compared(0, false, 124) == RestVerdict::mismatch);
  CHECK(c.take_due(0, 127));
  CHECK(c.compared(0, false, 127) == RestVerdict::drift);
  CHECK_FALSE(c.outstanding(0));
  CHECK(c.take_due(0, 137));
  c.failed(0, 137);
  CHECK_FALSE(c.take_due(0, 146));
  CHECK(c.take_due(0, 147));
  // A fresh LIVE forgets a pending first mismatch.
  CHECK(c.compared(0, false, 147) == RestVerdict::mismatch);
  c.restart(0, 150);
  CHECK(c.take_due(0, 160));
  CHECK(c.compared(0, false, 160) == RestVerdict::mismatch);
  RestBookCheck off(1, 0, 3);
  CHECK_FALSE(off.enabled());
  CHECK_FALSE(off.take_due(0, 1'000'000));
}

TEST_CASE("an inconclusive check is neither a match nor a mismatch; the run of mismatches waits",
          "[feeds][rest_check]") {
  RestBookCheck c(1, 10, 3);
  c.restart(0, 100);
  REQUIRE(c.take_due(0, 110, 7));
  CHECK(c.asked_version(0) == 7);  // the live book's version when the GET went out
  CHECK(c.inconclusive(0, 111) == RestVerdict::inconclusive);
  CHECK_FALSE(c.outstanding(0));
  CHECK_FALSE(c.take_due(0, 120));  // nothing pending: the next check an interval later
  REQUIRE(c.take_due(0, 121, 8));
  CHECK(c.compared(0, false, 121) == RestVerdict::mismatch);
  REQUIRE(c.take_due(0, 124, 8));
  CHECK(c.inconclusive(0, 124) == RestVerdict::inconclusive);
  CHECK_FALSE(c.take_due(0, 126));
  REQUIRE(c.take_due(0, 127, 9));  // a pending mismatch is confirmed after confirm_ns still
  CHECK(c.compared(0, false, 127) == RestVerdict::drift);
}
