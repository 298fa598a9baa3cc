// The OCX REST drift check (GET /perps/orderbook/{marketId}, no sequence):
// one mismatch is checked again and forgotten when it was timing, two in a row
// resync the market's stream and raise the drift alarm; and the books'
// starting exponents from GET /perps/markets.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "book/decimal.hpp"
#include "feeds/ocx/markets.hpp"
#include "feeds/ocx/ocx_feed.hpp"
#include "ocx_test_util.hpp"

using namespace wirebook::feeds;
using namespace wirebook::feeds::ocx;
using ocx_test::envelope;
using ocx_test::Event;
using ocx_test::Frame;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;

// Records the GETs a feed queues.
struct RecordingRest : RestOutbox {
  bool get(std::string_view target, std::uint64_t tag) override {
    requests.emplace_back(target, tag);
    return accept;
  }
  std::vector<std::pair<std::string, std::uint64_t>> requests;
  bool accept = true;
};

struct DriftRig {
  DriftRig()
      : books({{"BTC-PERP", -1, -2}, {"ETH-PERP", -2, -2}}, 1000, 256, nullptr),
        feed(books, options(), &rest) {
    feed.on_stream_open(0, now);
    feed.on_stream_open(1, now);
  }
  static OcxOptions options() {
    OcxOptions o;
    o.rest_check_interval_ns = 10 * kSec;
    o.rest_confirm_ns = 2 * kSec;
    o.rest_check_depth = 2;
    o.stale_after_ns = 600 * kSec;
    o.snapshot_timeout_ns = 600 * kSec;
    return o;
  }
  void snapshot(std::size_t stream, std::int64_t seq, const std::string& bids,
                const std::string& asks) {
    const Event e("snapshot", "",
                  envelope("snapshot", seq, bids, asks, stream == 0 ? "BTC-PERP" : "ETH-PERP"));
    REQUIRE(feed.on_event(stream, e.view(), now, now) == FeedAction::none);
  }
  void tick(std::int64_t dt) { (void)feed.on_timer(now += dt); }
  void reply(std::uint64_t tag, const std::string& body, int status = 200) {
    const Frame f(body);
    feed.on_rest_reply(tag, status, f.data(), f.len, f.capacity(), now, now);
  }
  std::int64_t now = 1 * kSec;
  RecordingRest rest;
  VenueBooks books;
  OcxFeed feed;
};

// The REST shape of BTC's book below: best two bids and the ask, any order.
const std::string kSame = R"({"bids":[["99","1"],["100","2"],["98","9"]],"asks":[["101","3"]]})";
const std::string kDrift = R"({"bids":[["100","2.5"],["99","1"]],"asks":[["101","3"]]})";

}  // namespace

TEST_CASE("the drift check asks each LIVE market's REST book an interval after LIVE",
          "[ocx][drift]") {
  DriftRig r;
  r.tick(20 * kSec);
  CHECK(r.rest.requests.empty());  // nothing LIVE yet
  r.snapshot(0, 1, "100:2,99:1,98:9", "101:3");
  r.tick(9 * kSec);
  CHECK(r.rest.requests.empty());
  r.tick(1 * kSec);
  REQUIRE(r.rest.requests.size() == 1);
  CHECK(r.rest.requests[0].first == "/perps/orderbook/BTC-PERP?depth=2");
  CHECK(r.rest.requests[0].second == 0);
  r.tick(30 * kSec);
  CHECK(r.rest.requests.size() == 1);  // one outstanding at a time
  r.reply(0, kSame);
  CHECK(r.feed.ocx_counters().rest_checks == 1);
  CHECK(r.feed.ocx_counters().rest_mismatches == 0);
}

TEST_CASE("one mismatch is checked again and forgotten when the next check agrees",
          "[ocx][drift]") {
  DriftRig r;
  r.snapshot(0, 1, "100:2,99:1,98:9", "101:3");
  r.snapshot(1, 1, "20:1", "21:1");
  r.tick(10 * kSec);
  r.reply(0, kDrift);
  r.reply(1, R"({"bids":[["20","1"]],"asks":[["21","1"]]})");
  CHECK(r.feed.ocx_counters().rest_mismatches == 1);
  CHECK(r.books.status(0) == BookStatus::live);
  r.tick(2 * kSec);  // the confirmation comes after rest_confirm_ns
  REQUIRE(r.rest.requests.size() == 3);
  r.reply(0, kSame);
  CHECK(r.feed.ocx_counters().rest_mismatches == 1);
  CHECK(r.feed.ocx_counters().drift_alarms == 0);
  CHECK(r.books.counters().drift_alarms.load() == 0);
  CHECK(r.books.counters().resyncs.load() == 0);
  CHECK(r.feed.on_stream_timer(0, r.now) == FeedAction::none);
  // A later single mismatch starts a new run: still no alarm.
  r.tick(10 * kSec);
  r.reply(0, kDrift);
  CHECK(r.feed.ocx_counters().drift_alarms == 0);
}

TEST_CASE("two mismatches in a row resync the market's stream and raise the drift alarm",
          "[ocx][drift]") {
  DriftRig r;
  r.snapshot(0, 1, "100:2,99:1,98:9", "101:3");
  r.snapshot(1, 1, "20:1", "21:1");
  r.tick(10 * kSec);
  REQUIRE(r.rest.requests.size() == 2);
  r.reply(0, kDrift);
  r.reply(1, R"({"bids":[["20","1"]],"asks":[["21","1"]]})");
  r.tick(2 * kSec);
  REQUIRE(r.rest.requests.size() == 3);
  r.reply(0, kDrift);
  CHECK(r.feed.ocx_counters().rest_mismatches == 2);
  CHECK(r.feed.ocx_counters().drift_alarms == 1);
  CHECK(r.books.counters().drift_alarms.load() == 1);
  CHECK(r.books.counters().resyncs.load() == 1);
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.status(1) == BookStatus::live);
  CHECK(std::string(r.books.last_notice()).find("BTC-PERP") != std::string::npos);
  // The resync is a reconnect of that stream only, as for a gap.
  CHECK(r.feed.on_stream_timer(0, r.now) == FeedAction::reconnect);
  CHECK(r.feed.on_stream_timer(1, r.now) == FeedAction::none);
  r.feed.on_stream_close(0, r.now);
  r.feed.on_stream_open(0, r.now);
  r.snapshot(0, 50, "100:2.5,99:1", "101:3");
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("a market whose book moved while its GET was out is not compared", "[ocx][drift]") {
  DriftRig r;
  r.snapshot(0, 1, "100:2,99:1,98:9", "101:3");
  r.tick(10 * kSec);
  REQUIRE(r.rest.requests.size() == 1);
  const Event moved("update", "", envelope("update", 2, "100:2.5", "", "BTC-PERP"));
  REQUIRE(r.feed.on_event(0, moved.view(), r.now, r.now) == FeedAction::none);
  r.reply(0, kSame);  // taken before the update or after it: unknown, so not compared
  CHECK(r.feed.ocx_counters().rest_inconclusive == 1);
  CHECK(r.feed.ocx_counters().rest_checks == 0);
  CHECK(r.feed.ocx_counters().rest_mismatches == 0);
  r.tick(10 * kSec);
  REQUIRE(r.rest.requests.size() == 2);
  r.reply(0, kDrift);  // the book held still: compared (and it now agrees)
  CHECK(r.feed.ocx_counters().rest_checks == 1);
  CHECK(r.feed.ocx_counters().rest_mismatches == 0);
}

TEST_CASE("failed, unreadable or unqueued REST replies are counted, never a mismatch",
          "[ocx][drift]") {
  DriftRig r;
  r.snapshot(0, 1, "100:2", "101:3");
  r.tick(10 * kSec);
  r.reply(0, "{}", 500);
  r.tick(10 * kSec);
  r.reply(0, "not json");
  r.tick(10 * kSec);
  r.reply(0, R"({"bids":[{"price":"100","size":"2"}],"asks":[]})");  // stream shape, not REST
  r.rest.accept = false;
  r.tick(10 * kSec);
  CHECK(r.feed.ocx_counters().rest_failures == 4);
  CHECK(r.feed.ocx_counters().rest_mismatches == 0);
  CHECK(r.books.status(0) == BookStatus::live);
  r.rest.accept = true;
  r.tick(10 * kSec);
  r.reply(0, R"({"bids":[["100","2"]],"asks":[["101","3"]]})");
  CHECK(r.feed.ocx_counters().rest_checks == 1);
  CHECK(r.feed.ocx_counters().rest_mismatches == 0);
}

TEST_CASE("without an interval or a REST outbox nothing is asked", "[ocx][drift]") {
  VenueBooks books({{"BTC-PERP", -1, -2}}, 100, 16, nullptr);
  RecordingRest rest;
  OcxFeed off(books, OcxOptions{}, &rest);  // rest_check_interval_ns 0
  off.on_stream_open(0, 0);
  const Event e("snapshot", "", envelope("snapshot", 1, "1:1", ""));
  REQUIRE(off.on_event(0, e.view(), 0, 0) == FeedAction::none);
  for (int k = 1; k < 10; ++k) (void)off.on_timer(k * 100 * kSec);
  CHECK(rest.requests.empty());
}

TEST_CASE("GET /perps/markets decimals become the books' starting exponents", "[ocx][markets]") {
  VenueBooks books({{"BTC-PERP", -8, -8}, {"ETH-PERP", -8, -8}, {"SOL-PERP", -8, -8}}, 100, 16,
                   nullptr);
  const auto listed = parse_markets(R"([{"id":"BTC-PERP","priceDecimals":2,"sizeDecimals":4},)"
                                    R"({"id":"ETH-PERP","sizeDecimals":3},{"id":"SOL-PERP"}])");
  REQUIRE(listed.error.empty());
  CHECK(apply_decimals(books, listed.markets) == 2);
  CHECK(books.px_exp(0) == -2);
  CHECK(books.qty_exp(0) == -4);
  CHECK(books.px_exp(1) == -8);  // no priceDecimals: kept
  CHECK(books.qty_exp(1) == -3);
  CHECK(books.px_exp(2) == -8);
  CHECK(books.qty_exp(2) == -8);
  // A book that already holds levels keeps its exponents.
  OcxFeed feed(books, OcxOptions{});
  feed.on_stream_open(0, 0);
  const Event e("snapshot", "", envelope("snapshot", 1, "68210.25:1.5", ""));
  REQUIRE(feed.on_event(0, e.view(), 0, 0) == FeedAction::none);
  const auto other = parse_markets(R"([{"id":"BTC-PERP","priceDecimals":1,"sizeDecimals":1}])");
  CHECK(apply_decimals(books, other.markets) == 0);
  CHECK(books.px_exp(0) == -2);
}

// ---- reference data: GET /perps/market-stats ---------------------------------

namespace {

struct StatsRig {
  explicit StatsRig(std::int64_t interval_ns = 10 * kSec, std::int64_t check_ns = 0)
      : books({{"BTC-PERP", -1, -2}, {"ETH-PERP", -2, -2}}, 1000, 256, nullptr),
        feed(books, options(interval_ns, check_ns), &rest) {}
  static OcxOptions options(std::int64_t interval_ns, std::int64_t check_ns) {
    OcxOptions o;
    o.reference_interval_ns = interval_ns;
    o.rest_check_interval_ns = check_ns;
    return o;
  }
  void tick(std::int64_t dt) { (void)feed.on_timer(now += dt); }
  void reply(std::uint64_t tag, const std::string& body, int status = 200) {
    const Frame f(body);
    feed.on_rest_reply(tag, status, f.data(), f.len, f.capacity(), kRecv, now);
  }
  static constexpr std::int64_t kRecv = 1'765'000'000'123'456'789;
  std::int64_t now = 1 * kSec;
  RecordingRest rest;
  VenueBooks books;
  OcxFeed feed;
};

std::string ref_text(const wirebook::shm::Reference& r, wirebook::shm::ReferenceField f) {
  if (!r.has(f)) return "unknown";
  char buf[wirebook::book::kMaxDecimalText];
  return {buf, wirebook::book::format_decimal(r.raw(f), r.exponent(f), buf, sizeof buf)};
}

constexpr std::uint64_t kStats = OcxFeed::kTagStats;

}  // namespace

TEST_CASE("market-stats is polled per market every interval, one outstanding at a time",
          "[ocx][reference]") {
  StatsRig r;
  r.tick(1);  // the first poll goes at once, whatever the books' state
  REQUIRE(r.rest.requests.size() == 2);
  CHECK(r.rest.requests[0].first == "/perps/market-stats?marketId=BTC-PERP");
  CHECK(r.rest.requests[0].second == (kStats | 0U));
  CHECK(r.rest.requests[1].first == "/perps/market-stats?marketId=ETH-PERP");
  CHECK(r.rest.requests[1].second == (kStats | 1U));
  r.tick(30 * kSec);
  CHECK(r.rest.requests.size() == 2);  // both still outstanding
  r.reply(kStats | 0U, R"({"markPrice":"68210.5","openInterestUsd":"1","funding1hPct":"0"})");
  r.tick(1);
  REQUIRE(r.rest.requests.size() == 3);  // BTC's interval has passed; ETH still out
  CHECK(r.rest.requests[2].second == (kStats | 0U));
  r.reply(kStats | 0U, R"({"markPrice":"68210.5","openInterestUsd":"1","funding1hPct":"0"})");
  r.tick(9 * kSec);
  CHECK(r.rest.requests.size() == 3);  // not before its interval
  r.tick(1 * kSec);
  CHECK(r.rest.requests.size() == 4);
  CHECK(r.feed.ocx_counters().stats_requests == 4);
  CHECK(r.feed.ocx_counters().rest_checks == 0);  // no drift check asked for
}

TEST_CASE(
    "a market-stats reply publishes mark, USD open interest and the funding percent "
    "as a fraction at our receive time",
    "[ocx][reference]") {
  using wirebook::shm::ReferenceField;
  StatsRig r;
  r.tick(1);
  r.reply(kStats | 1U, R"({"markPrice":"3123.45","change24hPct":"-1.25","volume24hUsd":"1000000",)"
                       R"("openInterestUsd":"48211003.25","funding1hPct":"0.0012"})");
  CHECK(r.feed.ocx_counters().stats_published == 1);
  CHECK(r.books.counters().references.load() == 1);
  const auto& ref = r.books.references().current(1);
  CHECK(ref_text(ref, ReferenceField::mark_price) == "3123.45");
  CHECK(ref_text(ref, ReferenceField::open_interest) == "48211003.25");  // USD notional
  CHECK(ref_text(ref, ReferenceField::funding_rate) == "0.000012");      // 0.0012 %
  CHECK_FALSE(ref.has(ReferenceField::index_price));
  CHECK_FALSE(ref.has(ReferenceField::next_funding_time));
  CHECK(ref.ts_exchange_ns == StatsRig::kRecv);  // the reply has no timestamp
  CHECK(r.books.references().current(0).known == 0);
  // A negative rate stays exact.
  r.reply(kStats | 0U, R"({"markPrice":"68210.5","funding1hPct":"-0.0003"})");
  CHECK(ref_text(r.books.references().current(0), ReferenceField::funding_rate) == "-0.000003");
}

TEST_CASE("failed, unreadable or foreign market-stats replies publish nothing",
          "[ocx][reference]") {
  using wirebook::shm::ReferenceField;
  StatsRig r(10 * kSec);
  r.tick(1);
  r.reply(kStats | 0U, R"({"markPrice":"1"})", 500);
  r.tick(10 * kSec);
  r.reply(kStats | 0U, R"({"markPrice":1})");  // a number where a string is documented
  r.tick(10 * kSec);
  r.reply(kStats | 0U, R"({"markPrice":"1","marketId":"ETH-PERP"})");  // another market's
  r.tick(10 * kSec);
  r.reply(kStats | 0U, R"({"markPrice":"1x"})");  // no exact decimal: VenueBooks refuses it
  r.rest.accept = false;
  r.tick(10 * kSec);
  CHECK(r.feed.ocx_counters().stats_failures == 5);
  CHECK(r.feed.ocx_counters().stats_published == 0);
  CHECK(r.books.counters().references.load() == 0);
  CHECK(r.books.references().current(0).known == 0);
  r.rest.accept = true;
  r.tick(10 * kSec);
  r.reply(kStats | 0U, R"({"markPrice":"2"})");
  CHECK(ref_text(r.books.references().current(0), ReferenceField::mark_price) == "2");
  // Tags of no market are ignored.
  r.reply(kStats | 9U, R"({"markPrice":"3"})");
  CHECK(r.feed.ocx_counters().stats_published == 1);
}

TEST_CASE("without reference_interval nothing is polled; the drift check keeps its tags",
          "[ocx][reference]") {
  StatsRig off(0, 10 * kSec);
  for (int k = 1; k < 10; ++k) off.tick(100 * kSec);
  CHECK(off.rest.requests.empty());  // no book LIVE, no stats asked
  CHECK(off.feed.ocx_counters().stats_requests == 0);
}
