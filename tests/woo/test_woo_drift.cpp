// The WOO v3 REST drift check (GET /v3/public/orderbook?maxLevel=N): the REST
// book's timestamp places it in the prevTs chain, so it is compared only when
// it is the live book's last data.ts (older: the REST book's own lag; newer:
// deltas still on their way; either inconclusive, never a mismatch); one
// mismatch is checked again and forgotten when it was a one-off, two in a row
// resync the book from a fresh REST book and raise the drift alarm.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "feeds/woo/woo_feed.hpp"
#include "woo_test_util.hpp"

using namespace wirebook::feeds;
using namespace wirebook::feeds::woo;
using wirebook::book::Level;
using wirebook::book::Side;
using woo_test::Frame;
using woo_test::Rig;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;
constexpr std::uint64_t kCheck0 = WooFeed::kTagCheck | 0U;
const std::string kBtc = "PERP_BTC_USDT";

WooOptions drift_options(Protocol protocol = Protocol::v3) {
  WooOptions o = woo_test::v3_options();
  o.protocol = protocol;
  o.rest_check_interval_ns = 10 * kSec;
  o.rest_confirm_ns = 2 * kSec;
  o.rest_check_depth = 2;
  o.dead_after_ns = 3600 * kSec;
  o.stale_after_ns = 3600 * kSec;
  o.snapshot_timeout_ns = 3600 * kSec;
  return o;
}

// The REST shapes of BTC's book at ts 100: its best two bids (any order,
// deeper levels ignored) and its ask; and the same with the best bid's size off.
const std::string kBids = R"([{"price":"9.99","quantity":"1"},{"price":"10.00","quantity":"2"},)"
                          R"({"price":"9.98","quantity":"9"}])";
const std::string kAsks = R"([{"price":"10.05","quantity":"3"}])";
const std::string kDriftBids =
    R"([{"price":"10.00","quantity":"2.5"},{"price":"9.99","quantity":"1"}])";

struct DriftRig : Rig {
  explicit DriftRig(WooOptions o = drift_options()) : Rig({kBtc, "SPOT_ETH_USDT"}, o) {
    // BTC LIVE at ts 100 (its buffered delta is inside the REST book).
    delta(kBtc, 90, 100, R"([["10.00","2"]])");
    rest_reply(0, 100, kBids, kAsks);
    REQUIRE(books.status(0) == BookStatus::live);
    tick(1);  // the check sees it LIVE: the first check an interval on
  }
  void tick(std::int64_t dt) { (void)feed.on_timer(now += dt); }
  std::vector<std::pair<std::string, std::uint64_t>> checks() const {
    std::vector<std::pair<std::string, std::uint64_t>> v;
    for (const auto& g : rest.gets) {
      if ((g.second & WooFeed::kTagCheck) != 0) v.push_back(g);
    }
    return v;
  }
  const WooCheckCounters& c() const { return feed.check_counters(); }
};

}  // namespace

TEST_CASE("v3 drift check: a LIVE book's top levels are asked an interval after LIVE",
          "[woo][drift]") {
  DriftRig r;
  r.tick(10 * kSec - 1);
  CHECK(r.checks().empty());
  r.tick(1);
  REQUIRE(r.checks().size() == 1);  // only BTC is LIVE
  CHECK(r.checks()[0].first == "/v3/public/orderbook?symbol=PERP_BTC_USDT&maxLevel=2");
  CHECK(r.checks()[0].second == kCheck0);
  r.tick(30 * kSec);
  CHECK(r.checks().size() == 1);  // one outstanding at a time
  r.rest_reply(kCheck0, 100, kBids, kAsks);
  CHECK(r.c().rest_checks == 1);
  CHECK(r.c().rest_mismatches == 0);
  CHECK(r.books.status(0) == BookStatus::live);
  r.tick(10 * kSec);
  CHECK(r.checks().size() == 2);
}

TEST_CASE("v3 drift check: one mismatch is checked again and forgotten when the next agrees",
          "[woo][drift]") {
  DriftRig r;
  r.tick(10 * kSec);
  r.rest_reply(kCheck0, 100, kDriftBids, kAsks);
  CHECK(r.c().rest_mismatches == 1);
  CHECK(r.books.status(0) == BookStatus::live);
  r.tick(2 * kSec);  // the confirmation comes after rest_confirm_ns
  REQUIRE(r.checks().size() == 2);
  r.rest_reply(kCheck0, 100, kBids, kAsks);
  CHECK(r.c().rest_mismatches == 1);
  CHECK(r.c().drift_alarms == 0);
  CHECK(r.books.counters().drift_alarms.load() == 0);
  CHECK(r.books.counters().resyncs.load() == 0);
  // A later single mismatch starts a new run: still no alarm.
  r.tick(10 * kSec);
  r.rest_reply(kCheck0, 100, kDriftBids, kAsks);
  CHECK(r.c().drift_alarms == 0);
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("v3 drift check: two mismatches in a row resync the book from a fresh REST book",
          "[woo][drift]") {
  DriftRig r;
  r.tick(10 * kSec);
  r.rest_reply(kCheck0, 100, kDriftBids, kAsks);
  r.tick(2 * kSec);
  const std::size_t gets_before = r.gets_for(kBtc);
  r.rest_reply(kCheck0, 100, kDriftBids, kAsks);
  CHECK(r.c().rest_mismatches == 2);
  CHECK(r.c().drift_alarms == 1);
  CHECK(r.books.counters().drift_alarms.load() == 1);
  CHECK(r.books.counters().resyncs.load() == 1);
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.status(1) == BookStatus::syncing);  // ETH untouched
  CHECK(std::string(r.books.last_notice()).find(kBtc) != std::string::npos);
  // The resync is the snapshot GET (book index tag, the stream's depth).
  REQUIRE(r.gets_for(kBtc) == gets_before + 1);
  CHECK(r.rest.gets.back().first == "/v3/public/orderbook?symbol=PERP_BTC_USDT&maxLevel=50");
  CHECK(r.rest.gets.back().second == 0);
  r.rest_reply(0, 100, kDriftBids, kAsks);
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid).front() == Level{1000, 250000});
}

TEST_CASE("v3 drift check: a REST book older or newer than the live book is not compared",
          "[woo][drift]") {
  DriftRig r;
  r.tick(10 * kSec);
  r.rest_reply(kCheck0, 100, kDriftBids, kAsks);  // the first mismatch
  REQUIRE(r.c().rest_mismatches == 1);
  r.delta(kBtc, 100, 110, R"([["10.00","2.5"]])");  // the live book moves on to 110
  r.tick(2 * kSec);
  r.rest_reply(kCheck0, 100, kBids, kAsks);  // the REST book's own lag: it agrees with nothing
  CHECK(r.c().rest_behind == 1);
  r.tick(2 * kSec);  // a pending mismatch keeps its confirmation delay
  REQUIRE(r.checks().size() == 3);
  r.rest_reply(kCheck0, 120, kBids, kAsks);  // ahead of the stream
  CHECK(r.c().rest_ahead == 1);
  CHECK(r.c().rest_checks == 1);
  CHECK(r.c().rest_mismatches == 1);
  CHECK(r.c().drift_alarms == 0);
  CHECK(r.books.status(0) == BookStatus::live);
  // The next comparable book is the confirmation: it differs again, a drift.
  r.tick(2 * kSec);
  r.rest_reply(kCheck0, 110, kDriftBids, R"([{"price":"10.05","quantity":"4"}])");
  CHECK(r.c().rest_checks == 2);
  CHECK(r.c().drift_alarms == 1);
  CHECK(r.books.status(0) == BookStatus::resyncing);
}

TEST_CASE("v3 drift check: failed, unreadable or unqueued replies are counted, never a mismatch",
          "[woo][drift]") {
  DriftRig r;
  r.tick(10 * kSec);
  r.rest_reply(kCheck0, 100, kBids, kAsks, 500);
  r.tick(10 * kSec);
  Frame junk("not json");
  r.feed.on_rest_reply(kCheck0, 200, junk.data(), junk.len, junk.capacity(), 1, r.now);
  r.tick(10 * kSec);
  Frame refused(R"({"success":false,"code":-1000,"message":"invalid symbol"})");
  r.feed.on_rest_reply(kCheck0, 200, refused.data(), refused.len, refused.capacity(), 1, r.now);
  r.rest.accept = false;
  r.tick(10 * kSec);
  CHECK(r.c().rest_failures == 4);
  CHECK(r.c().rest_mismatches == 0);
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.counters().resyncs.load() == 0);
  r.rest.accept = true;
  r.tick(10 * kSec);
  r.rest_reply(kCheck0, 100, kBids, kAsks);
  CHECK(r.c().rest_checks == 1);
}

TEST_CASE("v3 drift check: off without an interval; v2 never checks", "[woo][drift]") {
  WooOptions off = drift_options();
  off.rest_check_interval_ns = 0;
  DriftRig r(off);
  for (int k = 0; k < 10; ++k) r.tick(100 * kSec);
  CHECK(r.checks().empty());

  WooOptions v2 = drift_options(Protocol::v2);
  wirebook::feed_test::RecordingOutbox out;
  woo_test::RecordingRest rest;
  VenueBooks books({{kBtc, -2, -5}}, 100, 16, nullptr);
  WooFeed feed(books, out, v2, &rest);
  feed.on_connected(0);
  const Frame reply(
      R"({"id":"r0","event":"request","success":true,"ts":2,"data":{"symbol":"PERP_BTC_USDT","ts":1,"asks":[[10.05,3]],"bids":[[10.0,2]]}})");
  (void)feed.on_frame(reply.data(), reply.len, reply.capacity(), 1, 1);
  REQUIRE(books.status(0) == BookStatus::live);
  for (int k = 1; k < 10; ++k) (void)feed.on_timer(k * 100 * kSec);
  CHECK(rest.gets.empty());
}
