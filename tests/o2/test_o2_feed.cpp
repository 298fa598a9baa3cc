// O2Feed scenarios: subscribe by market id, snapshot + deltas, the seq chain
// with per-market resync, untyped frames, staleness, liveness, the REST
// snapshot fallback and the REST cross-check for unsequenced frames.
#include <catch2/catch.hpp>

#include <cstdio>

#include "feeds/o2/o2_feed.hpp"
#include "o2_test_util.hpp"

using namespace wirebook::feeds;
using namespace wirebook::feeds::o2;
using wirebook::book::Level;
using wirebook::book::Side;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;

struct Rig {
  explicit Rig(O2Options o = {}, bool with_rest = false)
      : books(specs(), 1000, 256, nullptr),
        feed(books, out, with_ids(std::move(o)), with_rest ? &rest : nullptr) {
    feed.on_connected(now);
  }
  static std::vector<InstrumentSpec> specs() { return {{"BTC-USD", -1, -3}, {"ETH-USD", -2, -3}}; }
  static O2Options with_ids(O2Options o) {
    o.market_ids = {1, 2};
    return o;
  }
  FeedAction frame(const std::string& text) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(text, len, cap);
    now += 1'000'000;
    return feed.on_frame(d, len, cap, 1'700'000'000'000'000'000 + now, now);
  }
  // A book frame of the working schema; seq/prev < 0 leave the field out.
  void book(int market, const char* type, long seq, long prev, const std::string& bids,
            const std::string& asks = "[]") {
    std::string f = R"({"channel":"order_book","market_id":)" + std::to_string(market);
    if (type != nullptr) f += R"(,"type":")" + std::string(type) + '"';
    if (seq >= 0) f += R"(,"seq":)" + std::to_string(seq);
    if (prev >= 0) f += R"(,"prev_seq":)" + std::to_string(prev);
    f += R"(,"ts":1700000000000,"data":{"bids":)" + bids + R"(,"asks":)" + asks + "}}";
    (void)frame(f);
  }
  void rest_reply(std::size_t k, const std::string& body, int status = 200) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(body, len, cap);
    feed.on_rest_reply(rest.requests.at(k).second, status, d, len, cap,
                       1'700'000'000'000'000'000 + now, now);
  }
  std::vector<Level> top(std::uint32_t i, Side s) const {
    return wirebook::feed_test::top_levels(books, i, s);
  }
  std::int64_t now = 1'000 * kSec;
  o2_test::Frames frames;
  o2_test::RecordingOutbox out;
  o2_test::RecordingRest rest;
  VenueBooks books;
  O2Feed feed;
};

const char* kSub1 = R"({"type":"subscribe","channel":"order_book","market_id":1})";
const char* kSub2 = R"({"type":"subscribe","channel":"order_book","market_id":2})";
const char* kUnsub1 = R"({"type":"unsubscribe","channel":"order_book","market_id":1})";

}  // namespace

TEST_CASE("connecting subscribes order_book per market by integer market_id", "[o2][feed]") {
  Rig r;
  CHECK(r.out.count(kSub1) == 1);
  CHECK(r.out.count(kSub2) == 1);
  CHECK(r.out.count("trades") == 0);
  CHECK(r.books.status(0) == BookStatus::syncing);
  CHECK(r.books.status(1) == BookStatus::syncing);
}

TEST_CASE("configured channels are subscribed too, and trades reach the feed", "[o2][feed]") {
  O2Options o;
  o.trades = o.ticker = o.mark_price = o.funding = true;
  Rig r(o);
  for (const char* ch : {"trades", "ticker", "mark_price", "funding"}) {
    CHECK(r.out.count(R"({"type":"subscribe","channel":")" + std::string(ch) +
                      R"(","market_id":2})") == 1);
  }
  (void)r.frame(o2_test::fixture("trades.json"));
  (void)r.frame(o2_test::fixture("ticker.json"));
  (void)r.frame(o2_test::fixture("mark_price.json"));
  (void)r.frame(o2_test::fixture("funding.json"));
  CHECK(r.feed.o2_counters().trades == 2);
  CHECK(r.feed.o2_counters().tickers == 1);
  CHECK(r.feed.o2_counters().mark_prices == 1);
  CHECK(r.feed.o2_counters().fundings == 1);
  CHECK(r.books.counters().malformed == 0);
}

TEST_CASE("a snapshot then chained deltas keep the book LIVE and exact", "[o2][feed]") {
  Rig r;
  r.book(1, "snapshot", 100, -1, "[[100.5,1],[100.0,2]]", "[[101.0,3]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.status(1) == BookStatus::syncing);
  r.book(1, "delta", 101, 100, "[[100.0,0],[100.5,1.25]]");
  r.book(1, "delta", 102, 101, "[]", R"([["100.8","2.5e1"]])");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{1005, 1250}});
  CHECK(r.top(0, Side::ask) == std::vector<Level>{{1008, 25000}, {1010, 3000}});
  CHECK(r.books.counters().gaps == 0);
  CHECK(r.books.counters().snapshots == 1);
}

TEST_CASE("a prev_seq that skips resyncs only that market: resubscribe, then LIVE again",
          "[o2][feed]") {
  Rig r;
  r.book(1, "snapshot", 100, -1, "[[100.5,1]]", "[[101.0,3]]");
  r.book(2, "snapshot", 7, -1, "[[20.05,1]]", "[[20.10,3]]");
  r.out.sent.clear();
  r.book(1, "delta", 103, 102, "[[100.4,1]]");  // 101..102 never arrived
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.status(1) == BookStatus::live);
  CHECK(r.books.counters().gaps == 1);
  CHECK(r.books.counters().resyncs == 1);
  REQUIRE(r.out.sent.size() == 2);
  CHECK(r.out.sent[0] == kUnsub1);
  CHECK(r.out.sent[1] == kSub1);
  // Market 2 goes on undisturbed; market 1's deltas before the new snapshot are ignored.
  r.book(2, "delta", 8, 7, "[[20.06,2]]");
  r.book(1, "delta", 104, 103, "[[100.3,1]]");
  CHECK(r.books.status(1) == BookStatus::live);
  CHECK(r.books.status(0) == BookStatus::resyncing);
  r.book(1, "snapshot", 200, -1, "[[99.5,4]]", "[[100.5,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{995, 4000}});
  r.book(1, "delta", 201, 200, "[[99.6,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.counters().gaps == 1);
}

TEST_CASE("a duplicate or late delta is dropped as stale, not a break", "[o2][feed]") {
  Rig r;
  r.book(1, "snapshot", 100, -1, "[[100.5,1]]", "[[101.0,3]]");
  r.book(1, "delta", 101, 100, "[[100.5,2]]");
  r.book(1, "delta", 101, 100, "[[100.5,2]]");  // duplicate
  r.book(1, "delta", 100, 99, "[[100.5,9]]");   // older than the book
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.counters().stale_dropped == 2);
  CHECK(r.books.counters().gaps == 0);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{1005, 2000}});
}

TEST_CASE("with only seq, the chain is seq == last + 1", "[o2][feed]") {
  Rig r;
  r.book(1, "snapshot", 10, -1, "[[100.5,1]]", "[[101.0,3]]");
  r.book(1, "delta", 11, -1, "[[100.5,2]]");
  CHECK(r.books.status(0) == BookStatus::live);
  r.book(1, "delta", 13, -1, "[[100.5,3]]");
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.counters().gaps == 1);
}

TEST_CASE("a delta without any sequence on a sequenced book is a break", "[o2][feed]") {
  Rig r;
  r.book(1, "snapshot", 10, -1, "[[100.5,1]]", "[[101.0,3]]");
  r.book(1, "delta", -1, -1, "[[100.5,2]]");
  CHECK(r.books.status(0) == BookStatus::resyncing);
}

TEST_CASE("untyped frames: the first after subscribe is the snapshot, then deltas", "[o2][feed]") {
  Rig r;
  r.book(1, nullptr, -1, -1, "[[100.5,1],[100.4,1]]", "[[101.0,3]]");
  CHECK(r.books.status(0) == BookStatus::live);
  r.book(1, nullptr, -1, -1, "[[100.4,0]]");
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{1005, 1000}});  // applied as a delta
  // A typed delta before any snapshot is never taken as one.
  r.book(2, "delta", 5, 4, "[[20.05,1]]");
  CHECK(r.books.status(1) == BookStatus::syncing);
}

TEST_CASE("an unparseable order_book frame resyncs that market and is counted", "[o2][feed]") {
  Rig r;
  r.book(1, "snapshot", 100, -1, "[[100.5,1]]", "[[101.0,3]]");
  r.book(2, "snapshot", 7, -1, "[[20.05,1]]", "[[20.10,3]]");
  (void)r.frame(R"({"channel":"order_book","market_id":2,"type":"delta","seq":8,"prev_seq":7,"da)");
  CHECK(r.books.counters().malformed == 1);
  CHECK(r.books.status(1) == BookStatus::resyncing);
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("a bad number in a delta resyncs instead of leaving a wrong book", "[o2][feed]") {
  Rig r;
  r.book(1, "snapshot", 100, -1, "[[100.5,1]]", "[[101.0,3]]");
  r.book(1, "delta", 101, 100, R"([["100.5","-1"]])");
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.counters().malformed == 1);
}

TEST_CASE("frames for other markets and error replies are counted", "[o2][feed]") {
  Rig r;
  r.book(9, "snapshot", 1, -1, "[[1,1]]");
  CHECK(r.feed.o2_counters().unknown_market == 1);
  (void)r.frame(o2_test::fixture("error.json"));
  CHECK(r.books.counters().errors == 1);
  (void)r.frame(o2_test::fixture("subscribed.json"));
  CHECK(r.feed.o2_counters().acks == 1);
}

TEST_CASE("a LIVE market without data turns STALE, and LIVE with the next delta", "[o2][feed]") {
  O2Options o;
  o.stale_after_ns = 5 * kSec;
  o.idle_timeout_ns = 60 * kSec;
  Rig r(o);
  r.book(1, "snapshot", 100, -1, "[[100.5,1]]", "[[101.0,3]]");
  r.book(2, "snapshot", 7, -1, "[[20.05,1]]", "[[20.10,3]]");
  r.now += 3 * kSec;
  r.book(2, "delta", 8, 7, "[[20.06,2]]");
  r.now += 3 * kSec;
  CHECK(r.feed.on_timer(r.now) == FeedAction::none);
  CHECK(r.books.status(0) == BookStatus::stale);
  CHECK(r.books.status(1) == BookStatus::live);
  r.book(1, "delta", 101, 100, "[[100.5,2]]");
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("nothing received for the idle timeout asks for a reconnect", "[o2][feed]") {
  O2Options o;
  o.idle_timeout_ns = 30 * kSec;
  Rig r(o);
  r.book(1, "snapshot", 100, -1, "[[100.5,1]]", "[[101.0,3]]");
  CHECK(r.feed.on_timer(r.now + 29 * kSec) == FeedAction::none);
  CHECK(r.feed.on_timer(r.now + 31 * kSec) == FeedAction::reconnect);
  r.feed.on_disconnected(r.now);
  CHECK(r.books.status(0) == BookStatus::disconnected);
  r.out.sent.clear();
  r.feed.on_connected(r.now + 32 * kSec);
  CHECK(r.out.count(kSub1) == 1);
  CHECK(r.books.status(0) == BookStatus::syncing);
}

TEST_CASE("no snapshot in time: subscribe again, then align a REST snapshot on buffered deltas",
          "[o2][feed][rest]") {
  O2Options o;
  o.snapshot_timeout_ns = 2 * kSec;
  o.idle_timeout_ns = 600 * kSec;
  Rig r(o, true);
  r.out.sent.clear();
  CHECK(r.feed.on_timer(r.now + 3 * kSec) == FeedAction::none);
  CHECK(r.out.count(kUnsub1) == 1);
  CHECK(r.rest.requests.empty());
  r.now += 3 * kSec;
  // Deltas flow but no snapshot: they are buffered.
  r.book(1, "delta", 1001, 1000, "[[100.4,1]]");
  r.book(1, "delta", 1002, 1001, "[[100.3,1]]");
  CHECK(r.feed.on_timer(r.now + 3 * kSec) == FeedAction::none);
  REQUIRE(r.rest.requests.size() == 2);  // both markets missed twice
  CHECK(r.rest.requests[0].first == "/api/v1/markets/1/orderbook");
  r.now += 3 * kSec;
  r.book(1, "delta", 1003, 1002, "[[100.2,1]]");
  r.book(1, "delta", 1004, 1003, "[[100.1,1]]");
  // The REST book is at seq 1003: 1004 chains on it.
  r.rest_reply(
      0,
      R"({"success":true,"data":{"market_id":1,"seq":1003,"bids":[["100.5","1"],["100.2","1"]],"asks":[["101","3"]]},"error":null})");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.feed.o2_counters().rest_snapshots == 1);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{1005, 1000}, {1002, 1000}, {1001, 1000}});
  r.book(1, "delta", 1005, 1004, "[[100.0,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  // A REST book that cannot be joined to the buffer is refused.
  r.rest_reply(1, R"({"success":false,"data":null,"error":"market not found"})");
  CHECK(r.books.status(1) == BookStatus::syncing);
  CHECK(r.feed.o2_counters().rest_failures == 1);
}

namespace {

O2Options drift_options() {
  O2Options o;
  o.rest_check_interval_ns = 10 * kSec;
  o.rest_confirm_ns = 1 * kSec;
  o.idle_timeout_ns = 600 * kSec;
  o.stale_after_ns = 600 * kSec;
  o.snapshot_timeout_ns = 600 * kSec;  // market 2 never LIVE: no REST snapshot asks
  return o;
}

// A REST book of market 1 (seq < 0: none) with the given best bid size.
std::string rest_book(long seq, const char* bid_qty) {
  std::string b = R"({"success":true,"data":{"market_id":1,)";
  if (seq >= 0) b += R"("seq":)" + std::to_string(seq) + ",";
  return b + R"("bids":[["100.4","7"],["100.5",")" + bid_qty +
         R"("]],"asks":[["101.0","3"]]},"error":null})";
}

}  // namespace

TEST_CASE("unsequenced frames: the REST cross-check resyncs after two top-level mismatches",
          "[o2][feed][rest]") {
  Rig r(drift_options(), true);
  r.book(1, "snapshot", -1, -1, "[[100.5,1],[100.4,7]]", "[[101.0,3]]");
  r.now += 11 * kSec;
  (void)r.feed.on_timer(r.now);
  REQUIRE(r.rest.requests.size() == 1);  // market 2 is not LIVE
  CHECK(r.rest.requests[0].first == "/api/v1/markets/1/orderbook");
  r.rest_reply(0, rest_book(-1, "1"));
  CHECK(r.feed.o2_counters().rest_checks == 1);
  CHECK(r.feed.o2_counters().rest_mismatches == 0);
  CHECK(r.books.status(0) == BookStatus::live);
  r.now += 11 * kSec;
  (void)r.feed.on_timer(r.now);
  REQUIRE(r.rest.requests.size() == 2);
  r.rest_reply(1, rest_book(-1, "2"));
  CHECK(r.feed.o2_counters().rest_mismatches == 1);
  CHECK(r.books.status(0) == BookStatus::live);  // one mismatch may be a one-off
  CHECK(r.books.counters().drift_alarms == 0);
  r.now += 2 * kSec;
  (void)r.feed.on_timer(r.now);
  REQUIRE(r.rest.requests.size() == 3);
  r.out.sent.clear();
  r.rest_reply(2, rest_book(-1, "2"));
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.counters().drift_alarms == 1);
  CHECK(r.books.last_notice().find("drift: ") == 0);
  CHECK(r.out.count(kUnsub1) == 1);
  CHECK(r.out.count(kSub1) == 1);
}

TEST_CASE("unsequenced frames: a book that moved during the REST round trip is not compared",
          "[o2][feed][rest]") {
  Rig r(drift_options(), true);
  r.book(1, "snapshot", -1, -1, "[[100.5,1],[100.4,7]]", "[[101.0,3]]");
  (void)r.feed.on_timer(r.now += 11 * kSec);
  REQUIRE(r.rest.requests.size() == 1);
  r.book(1, "delta", -1, -1, "[[100.5,2]]");  // arrives while the GET is out
  r.rest_reply(0, rest_book(-1, "1"));
  CHECK(r.feed.o2_counters().rest_inconclusive == 1);
  CHECK(r.feed.o2_counters().rest_checks == 0);
  CHECK(r.feed.o2_counters().rest_mismatches == 0);
  (void)r.feed.on_timer(r.now += 11 * kSec);
  REQUIRE(r.rest.requests.size() == 2);
  r.rest_reply(1, rest_book(-1, "2"));  // the book held still: compared, and equal
  CHECK(r.feed.o2_counters().rest_checks == 1);
  CHECK(r.feed.o2_counters().rest_mismatches == 0);
}

TEST_CASE("sequenced markets are compared only at the REST book's own seq", "[o2][feed][rest]") {
  Rig r(drift_options(), true);
  r.book(1, "snapshot", 5, -1, "[[100.5,1],[100.4,7]]", "[[101.0,3]]");
  (void)r.feed.on_timer(r.now += 11 * kSec);
  REQUIRE(r.rest.requests.size() == 1);
  r.rest_reply(0, rest_book(4, "9"));  // older: the REST book's own lag
  CHECK(r.feed.o2_counters().rest_inconclusive == 1);
  (void)r.feed.on_timer(r.now += 11 * kSec);
  r.rest_reply(1, rest_book(5, "2"));  // at seq 5: a mismatch
  CHECK(r.feed.o2_counters().rest_mismatches == 1);
  r.book(1, "delta", 6, 5, "[[100.5,3]]");
  (void)r.feed.on_timer(r.now += 1 * kSec);
  r.rest_reply(2, rest_book(7, "3"));  // newer: deltas still on their way
  CHECK(r.feed.o2_counters().rest_inconclusive == 2);
  CHECK(r.books.status(0) == BookStatus::live);
  (void)r.feed.on_timer(r.now += 1 * kSec);  // the pending mismatch keeps its confirmation delay
  REQUIRE(r.rest.requests.size() == 4);
  r.rest_reply(3, rest_book(6, "2"));  // at seq 6, still off: a drift
  CHECK(r.feed.o2_counters().rest_checks == 2);
  CHECK(r.books.counters().drift_alarms == 1);
  CHECK(r.books.status(0) == BookStatus::resyncing);
}
