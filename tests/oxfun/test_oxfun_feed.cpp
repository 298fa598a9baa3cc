// The OX.FUN feed over a recording outbox: greeting, paced requests, the
// depthUpdate seqNum procedure (PROTOCOLS.md §4.3), refusals, login,
// positions, keepalive and the depth drift check.
#include <catch2/catch.hpp>

#include <cstdio>

#include <wirebook/reader.hpp>

#include "book/decimal.hpp"
#include "feeds/oxfun/oxfun_feed.hpp"
#include "oxfun_test_util.hpp"
#include "shm/writer.hpp"
#include "tests/shm/test_util.hpp"

using namespace wirebook::feeds;
using namespace wirebook::feeds::oxfun;
using oxfun_test::Frame;
using oxfun_test::RecordingOutbox;
using wirebook::book::Level;
using wirebook::book::Side;

namespace {

constexpr const char* kA = "BTC-USD-SWAP-LIN";
constexpr const char* kB = "ETH-USD-SWAP-LIN";

OxfunOptions fast_options() {
  OxfunOptions o;
  o.request_interval_ns = 1;  // every tick may send
  o.depth_check = true;
  return o;
}

struct Rig {
  explicit Rig(OxfunOptions o = fast_options(), bool greet = true)
      : books({{kA, -1, -3}, {kB, -2, -2}}, 1000, 256, nullptr), feed(books, out, std::move(o)) {
    feed.on_connected(now);
    if (greet) frame(R"({"event":"connected","nonce":"1"})");
    ticks(4);
  }
  FeedAction frame(const std::string& text) {
    Frame f(text);
    now += 1'000'000;
    return feed.on_frame(f.data(), f.len, f.capacity(), 1'700'000'000'000'000'000 + now, now);
  }
  FeedAction ticks(int n, std::int64_t step_ns = 100'000'000) {
    FeedAction a = FeedAction::none;
    for (int k = 0; k < n && a == FeedAction::none; ++k) {
      now += step_ns;
      a = feed.on_timer(now);
    }
    return a;
  }
  void book(const char* table, const char* action, const char* market, long long seq,
            const std::string& bids, const std::string& asks = "[]") {
    char buf[2048];
    std::snprintf(
        buf, sizeof buf,
        R"({"table":"%s","data":{"seqNum":%lld,"asks":%s,"bids":%s,"checksum":1,"marketCode":"%s","timestamp":"1700000000000"},"action":"%s"})",
        table, seq, asks.c_str(), bids.c_str(), market, action);
    frame(buf);
  }
  void partial(const char* m, long long seq, const std::string& bids,
               const std::string& asks = "[]") {
    book("depthUpdate", "partial", m, seq, bids, asks);
  }
  void diff(const char* m, long long seq, const std::string& bids, const std::string& asks = "[]") {
    book("depthUpdate-diff", "increment", m, seq, bids, asks);
  }
  std::vector<Level> top(std::uint32_t i, Side s) const {
    return wirebook::feed_test::top_levels(books, i, s);
  }
  std::int64_t now = 1'000'000'000;
  RecordingOutbox out;
  VenueBooks books;
  OxfunFeed feed;
};

}  // namespace

TEST_CASE("nothing is sent before the greeting; then one subscribe frame for every market",
          "[oxfun][feed]") {
  Rig r(fast_options(), /*greet=*/false);
  CHECK(r.out.sent.empty());
  r.frame(R"({"nonce":"abc"})");
  r.ticks(2);
  REQUIRE(r.out.sent.size() == 1);
  CHECK(
      r.out.sent[0] ==
      R"({"op":"subscribe","tag":"s1","args":["depthUpdate:BTC-USD-SWAP-LIN","depth:BTC-USD-SWAP-LIN","depthUpdate:ETH-USD-SWAP-LIN","depth:ETH-USD-SWAP-LIN"]})");
  CHECK(r.feed.oxfun_counters().greetings == 1);
}

TEST_CASE("without a greeting the feed proceeds after the timeout", "[oxfun][feed]") {
  Rig r(fast_options(), /*greet=*/false);
  r.ticks(14);  // 1.8 s since the connect
  CHECK(r.out.sent.empty());
  r.ticks(3);
  CHECK(r.out.count(R"("op":"subscribe")") == 1);
  CHECK(r.feed.oxfun_counters().greeting_timeouts == 1);
}

TEST_CASE("args are split into frames of args_per_frame, paced one per interval", "[oxfun][feed]") {
  OxfunOptions o;
  o.trades = o.bbo = true;
  o.args_per_frame = 2;  // 6 args: 3 frames
  Rig r(o);              // 4 ticks of 100 ms: the first frame only
  CHECK(r.out.sent.size() == 1);
  r.ticks(6);  // 0.9 s after the first frame
  CHECK(r.out.sent.size() == 1);
  r.ticks(1);
  CHECK(r.out.sent.size() == 2);
  r.ticks(10);
  CHECK(r.out.sent.size() == 3);
  CHECK(
      r.out.sent[2] ==
      R"({"op":"subscribe","tag":"s3","args":["trade:ETH-USD-SWAP-LIN","bestBidAsk:ETH-USD-SWAP-LIN"]})");
}

TEST_CASE("the partial is the snapshot; the first diff carries its seqNum, later ones larger",
          "[oxfun][feed]") {
  Rig r;
  r.partial(kA, 100, "[[19003.0,1.0],[19000.0,2.5]]", "[[19042.0,1.0]]");
  CHECK(r.books.status(0) == BookStatus::live);
  r.diff(kA, 100, "[[19003.0,0]]", "[[19041.5,0.25]]");
  r.diff(kA, 101, "[[19001.0,3]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{190010, 3000}, {190000, 2500}});
  CHECK(r.top(0, Side::ask) == std::vector<Level>{{190415, 250}, {190420, 1000}});
  CHECK(r.books.counters().gaps == 0);
}

TEST_CASE("a diff before the snapshot is buffered; the one the partial covers is dropped",
          "[oxfun][feed]") {
  Rig r;
  r.diff(kA, 99, "[[18000.0,9]]");   // covered by the partial 100 (§4.3 example)
  r.diff(kA, 100, "[[19001.0,4]]");  // the first diff after it
  CHECK(r.books.status(0) == BookStatus::syncing);
  r.partial(kA, 100, "[[19000.0,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{190010, 4000}, {190000, 1000}});
  CHECK(r.books.counters().stale_dropped == 1);
  r.diff(kA, 101, "[[19000.0,0]]");
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{190010, 4000}});
}

TEST_CASE("a repeated seqNum is a break: that market resyncs by resubscribing", "[oxfun][feed]") {
  Rig r;
  r.partial(kA, 100, "[[19000.0,1]]");
  r.partial(kB, 7, "[[3079.5,1]]");
  r.diff(kA, 100, "[[19001.0,1]]");
  r.diff(kA, 100, "[[19001.0,1]]");
  CHECK(r.books.counters().gaps == 1);
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.status(1) == BookStatus::live);
  r.ticks(3);
  CHECK(r.out.count(R"({"op":"unsubscribe","tag":"u","args":["depthUpdate:BTC-USD-SWAP-LIN"]})") ==
        1);
  CHECK(r.out.count(R"("op":"subscribe","tag":"s2","args":["depthUpdate:BTC-USD-SWAP-LIN"])") == 1);
  r.partial(kA, 205, "[[19002.0,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.feed.oxfun_counters().resubscribes == 1);
}

TEST_CASE("a decreasing seqNum is a break too", "[oxfun][feed]") {
  Rig r;
  r.partial(kA, 100, "[[19000.0,1]]");
  r.diff(kA, 100, "[]");
  r.diff(kA, 99, "[]");
  CHECK(r.books.counters().gaps == 1);
}

TEST_CASE("a seqNum jump is counted, and a break by default", "[oxfun][feed]") {
  Rig r;
  r.partial(kA, 100, "[[19000.0,1]]");
  r.diff(kA, 100, "[]");
  r.diff(kA, 103, "[[19001.0,1]]");
  CHECK(r.feed.oxfun_counters().seq_jumps == 1);
  CHECK(r.books.counters().gaps == 1);
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.counters().notices == 1);
  CHECK(r.books.last_notice() == "seqNum jump on BTC-USD-SWAP-LIN: 103 after 100 (resync)");
}

TEST_CASE("with seqnum_jumps = count a jump is counted and applied", "[oxfun][feed]") {
  OxfunOptions o = fast_options();
  o.jumps = JumpPolicy::count;
  Rig r(o);
  r.partial(kA, 100, "[[19000.0,1]]");
  r.diff(kA, 100, "[]");
  r.diff(kA, 103, "[[19001.0,1]]");
  r.diff(kA, 103, "[[19002.0,1]]");  // non-increasing: still a break
  CHECK(r.feed.oxfun_counters().seq_jumps == 1);
  CHECK(r.books.counters().gaps == 1);
  r.partial(kA, 200, "[[19000.0,1]]");
  r.diff(kA, 200, "[]");
  r.diff(kA, 250, "[[19001.0,1]]");
  CHECK(r.feed.oxfun_counters().seq_jumps == 2);
  CHECK(r.books.counters().gaps == 1);
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.counters().notices == 2);
  CHECK(r.books.last_notice() ==
        "seqNum jump on BTC-USD-SWAP-LIN: 250 after 200 (counted, applied)");
  CHECK(r.top(0, Side::bid).size() == 2);
}

TEST_CASE("a broken diff naming its market resyncs that market at once", "[oxfun][feed]") {
  Rig r;
  r.partial(kA, 100, "[[19000.0,1]]");
  r.frame(
      R"({"table":"depthUpdate-diff","data":{"seqNum":"NaN","asks":[],"bids":[],"marketCode":"BTC-USD-SWAP-LIN"}})");
  CHECK(r.books.counters().malformed == 1);
  CHECK(r.books.counters().gaps == 1);
  CHECK(r.books.status(0) == BookStatus::resyncing);
}

TEST_CASE("a refused subscription is logged with code and message; that market stays SYNCING",
          "[oxfun][feed]") {
  Rig r;
  r.frame(
      R"({"success":true,"tag":"s1","event":"subscribe","channel":"depthUpdate:BTC-USD-SWAP-LIN"})");
  r.frame(R"({"success":true,"tag":"s1","event":"subscribe","channel":"depth:BTC-USD-SWAP-LIN"})");
  r.frame(
      R"({"event":"subscribe","success":false,"tag":"s1","message":"marketCode is invalid","code":"20015"})");
  CHECK(r.books.counters().errors == 0);  // the depth:ETH answer is still out
  r.frame(R"({"success":true,"tag":"s1","event":"subscribe","channel":"depth:ETH-USD-SWAP-LIN"})");
  CHECK(r.books.counters().errors == 1);
  CHECK(r.books.last_error() ==
        "subscribe depthUpdate:ETH-USD-SWAP-LIN: 20015 marketCode is invalid");
  CHECK(r.feed.oxfun_counters().refused_subscriptions == 1);
  r.partial(kA, 100, "[[19000.0,1]]");
  r.ticks(200);  // 20 s: past the snapshot timeout
  CHECK(r.books.status(1) == BookStatus::syncing);
  CHECK(r.out.count("depthUpdate:ETH-USD-SWAP-LIN") == 1);  // never asked again
}

TEST_CASE("login goes first; position:all follows its success; positions are handed over",
          "[oxfun][feed][login]") {
  OxfunOptions o = fast_options();
  o.api_key = "k";
  o.api_secret = "s3cr3t";
  o.positions = true;
  Rig r(o);
  REQUIRE(r.out.sent.size() >= 2);
  CHECK(r.out.sent[0].find(R"("op":"login")") != std::string::npos);
  CHECK(r.out.sent[0].find("s3cr3t") == std::string::npos);
  CHECK(r.out.count("position:all") == 0);
  r.frame(R"({"event":"login","success":true,"tag":"login","timestamp":"1"})");
  r.ticks(2);
  CHECK(r.feed.logged_in());
  CHECK(r.out.count(R"("args":["position:all"])") == 1);
  r.frame(oxfun_test::fixture("position.json"));
  CHECK(r.feed.oxfun_counters().position_updates == 2);
  CHECK(r.feed.oxfun_counters().positions_rejected == 0);
  CHECK(r.books.positions().size() == 1);  // both updates are the same instrument
  CHECK(r.books.positions().problems() == 0);
}

TEST_CASE("a refused login is logged with the venue's words and retried; books carry on",
          "[oxfun][feed][login]") {
  OxfunOptions o = fast_options();
  o.api_key = "k";
  o.api_secret = "wrong-secret";
  o.positions = true;
  o.login_retry_ns = 1'000'000'000;
  Rig r(o);
  r.frame(oxfun_test::fixture("login_error.json"));
  CHECK(r.books.counters().errors == 1);
  CHECK(r.books.last_error() == "login: 20000 Signature is invalid");
  CHECK(r.feed.oxfun_counters().login_refusals == 1);
  CHECK(r.out.count("position:all") == 0);
  r.partial(kA, 100, "[[19000.0,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  r.ticks(12);
  CHECK(r.out.count(R"("op":"login")") == 2);
}

TEST_CASE("text pings go out every interval; missing pongs reconnect", "[oxfun][feed]") {
  OxfunOptions o = fast_options();
  o.ping_interval_ns = 1'000'000'000;
  o.dead_after_ns = 1'000'000'000'000;
  Rig r(o);
  r.ticks(7);
  CHECK(r.out.count("ping") == 1);
  r.frame("pong");
  r.ticks(10);
  CHECK(r.out.count("ping") == 2);
  CHECK(r.ticks(20) == FeedAction::reconnect);  // two pings without a pong
  CHECK(r.feed.oxfun_counters().missed_pongs == 2);
}

TEST_CASE("silence beyond dead_after reconnects", "[oxfun][feed]") {
  OxfunOptions o = fast_options();
  o.dead_after_ns = 2'000'000'000;
  Rig r(o);
  CHECK(r.ticks(25) == FeedAction::reconnect);
}

TEST_CASE("a depth push with the book's seqNum is compared; a mismatch resyncs as drift",
          "[oxfun][feed]") {
  Rig r;
  r.partial(kA, 100, "[[19000.0,1]]", "[[19010.0,2]]");
  r.diff(kA, 100, "[[19001.0,1]]");
  r.book("depth", "partial", kA, 100, "[[19001.0,1],[19000.0,1]]", "[[19010.0,2]]");
  CHECK(r.feed.oxfun_counters().depth_checks == 1);
  CHECK(r.feed.oxfun_counters().depth_drift == 0);
  r.book("depth", "partial", kA, 99, "[[1.0,1]]");  // another seqNum: not comparable
  CHECK(r.feed.oxfun_counters().depth_checks == 1);
  r.book("depth", "partial", kA, 100, "[[19001.0,1]]", "[[19010.0,2]]");
  CHECK(r.feed.oxfun_counters().depth_drift == 1);
  CHECK(r.books.status(0) == BookStatus::resyncing);
}

TEST_CASE("trades and bestBidAsk of our markets are taken; others counted", "[oxfun][feed]") {
  Rig r;
  r.frame(oxfun_test::fixture("trade.json"));
  r.frame(oxfun_test::fixture("best_bid_ask.json"));
  r.frame(
      R"({"table":"trade","data":[{"side":"BUY","quantity":"1","price":"2","marketCode":"NOPE","timestamp":"1"}]})");
  CHECK(r.feed.oxfun_counters().trades == 1);
  CHECK(r.feed.oxfun_counters().bbos == 1);
  CHECK(r.feed.oxfun_counters().unknown_market == 1);
  CHECK(r.books.counters().malformed == 0);
}

namespace {

std::string position_text(const wirebook::shm::Position& p, wirebook::shm::PositionField f) {
  if (!p.has(f)) return "unknown";
  char buf[wirebook::book::kMaxDecimalText];
  return {buf, wirebook::book::format_decimal(p.raw(f), p.exponent(f), buf, sizeof buf)};
}

}  // namespace

TEST_CASE("positions reach the shared-memory positions section exactly; a bad one is refused",
          "[oxfun][feed][positions]") {
  namespace shm = wirebook::shm;
  using shm::PositionField;
  wirebook::shm::test::TempDir dir{"oxpos"};
  shm::SegmentOptions so;
  so.dir = dir.path();
  shm::VenueConfig vc;
  vc.name = "oxfun";
  vc.symbols = {kA, kB};
  vc.ring_capacity = 64;
  vc.position_capacity = 4;
  std::unique_ptr<shm::VenueWriter> writer;
  REQUIRE(shm::VenueWriter::create(so, vc, writer).ok());
  writer->set_state(shm::SegmentState::live);
  VenueBooks books({{kA, -1, -3}, {kB, -2, -2}}, 1000, 256, writer.get());
  RecordingOutbox out;
  OxfunOptions o = fast_options();
  o.api_key = "k";
  o.api_secret = "s";
  o.positions = true;
  OxfunFeed feed(books, out, o);
  std::int64_t now = 1'000'000'000;
  const auto frame = [&](const std::string& text) {
    Frame f(text);
    now += 1'000'000;
    feed.on_frame(f.data(), f.len, f.capacity(), 1'700'000'000'000'000'000 + now, now);
  };
  feed.on_connected(now);
  frame(R"({"event":"connected","nonce":"1"})");
  frame(R"({"event":"login","success":true,"tag":"login","timestamp":"1"})");
  frame(oxfun_test::fixture("position.json"));  // two updates of ETH-USD-SWAP-LIN
  CHECK(feed.oxfun_counters().positions_rejected == 0);

  shm::VenueReader reader;
  REQUIRE(shm::VenueReader::open(dir.path(), "oxfun", reader) == shm::OpenError::ok);
  const std::uint32_t slot = reader.find_position(kB);
  REQUIRE(slot < reader.position_capacity());
  shm::Position p;
  REQUIRE(reader.read_position(slot, p) == shm::ReadResult::ok);
  CHECK(position_text(p, PositionField::quantity) == "50.54");  // the later update
  CHECK(position_text(p, PositionField::entry_price) == "2000");
  CHECK(position_text(p, PositionField::pnl) == "1220.9494164");
  CHECK(position_text(p, PositionField::liquidation_price) == "1317.2");
  CHECK(position_text(p, PositionField::margin) == "0");
  CHECK(p.ts_exchange_ns == 1'617'099'855'968'000'000);  // lastUpdated, in ns

  // A quantity that is no number: counted, logged by VenueBooks, and the
  // published position stays the last good one (never half an update).
  frame(
      R"({"table":"position","data":[{"instrumentId":"ETH-USD-SWAP-LIN","quantity":"1x","lastUpdated":"1","entryPrice":"1","positionPnl":"0","estLiquidationPrice":"0","margin":"0","leverage":"0"}]})");
  CHECK(feed.oxfun_counters().positions_rejected == 1);
  CHECK(books.positions().problems() == 1);
  REQUIRE(reader.read_position(slot, p) == shm::ReadResult::ok);
  CHECK(position_text(p, PositionField::quantity) == "50.54");
}

// ---- reference data: ticker:<market> ----------------------------------------

namespace {

OxfunOptions reference_options() {
  OxfunOptions o = fast_options();
  o.depth_check = false;
  o.reference = true;
  return o;
}

std::string ticker(const char* market, const char* mark, const char* index, const char* oi,
                   const char* ts = "1700000000123") {
  return std::string(R"({"table":"ticker","data":[{"marketCode":")") + market +
         R"(","timestamp":")" + ts + R"(","markPrice":")" + mark +
         R"(","lastMarkPrice":"1","indexPrice":")" + index + R"(","openInterest":")" + oi +
         R"("}]})";
}

std::string ref_text(const wirebook::shm::Reference& r, wirebook::shm::ReferenceField f) {
  if (!r.has(f)) return "unknown";
  char buf[wirebook::book::kMaxDecimalText];
  return {buf, wirebook::book::format_decimal(r.raw(f), r.exponent(f), buf, sizeof buf)};
}

}  // namespace

TEST_CASE("with reference on, ticker:<market> rides in the paced subscribe frames",
          "[oxfun][feed][reference]") {
  Rig r(reference_options());
  REQUIRE(r.out.sent.size() == 1);
  CHECK(
      r.out.sent[0] ==
      R"({"op":"subscribe","tag":"s1","args":["depthUpdate:BTC-USD-SWAP-LIN","ticker:BTC-USD-SWAP-LIN","depthUpdate:ETH-USD-SWAP-LIN","ticker:ETH-USD-SWAP-LIN"]})");
  Rig off;  // the default: no ticker
  CHECK(off.out.count("ticker:") == 0);
}

TEST_CASE("ticker items publish mark, index and open interest into their book's slot",
          "[oxfun][feed][reference]") {
  using wirebook::shm::ReferenceField;
  Rig r(reference_options());
  r.frame(ticker(kB, "1650.25", "1650.1", "9876.5"));
  CHECK(r.feed.oxfun_counters().tickers == 1);
  CHECK(r.books.counters().references.load() == 1);
  const auto& ref = r.books.references().current(1);
  CHECK(ref_text(ref, ReferenceField::mark_price) == "1650.25");
  CHECK(ref_text(ref, ReferenceField::index_price) == "1650.1");
  CHECK(ref_text(ref, ReferenceField::open_interest) == "9876.5");
  CHECK_FALSE(ref.has(ReferenceField::funding_rate));  // no funding on the websocket
  CHECK_FALSE(ref.has(ReferenceField::next_funding_time));
  CHECK(ref.ts_exchange_ns == 1'700'000'000'123'000'000);
  CHECK(r.books.references().current(0).known == 0);
  // Two markets in one frame, one of them not configured: counted, dropped.
  r.frame(
      R"({"table":"ticker","data":[{"marketCode":"SOL-USD-SWAP-LIN","timestamp":"5","markPrice":"1"},)"
      R"({"marketCode":"BTC-USD-SWAP-LIN","timestamp":"6","markPrice":"19000.5"}]})");
  CHECK(r.feed.oxfun_counters().tickers == 2);
  CHECK(r.feed.oxfun_counters().tickers_unknown == 1);
  CHECK(ref_text(r.books.references().current(0), ReferenceField::mark_price) == "19000.5");
  CHECK(ref_text(r.books.references().current(0), ReferenceField::index_price) == "unknown");
}

TEST_CASE("a ticker that is not an exact decimal or not well typed publishes nothing",
          "[oxfun][feed][reference]") {
  using wirebook::shm::ReferenceField;
  Rig r(reference_options());
  r.frame(ticker(kA, "19000", "18999", "5"));
  r.frame(ticker(kA, "19001", "1x", "6"));  // the index is no number: the whole update refused
  CHECK(r.feed.oxfun_counters().tickers_rejected == 1);
  CHECK(r.books.counters().malformed.load() == 1);
  r.frame(
      R"({"table":"ticker","data":[{"marketCode":"BTC-USD-SWAP-LIN","timestamp":"7","markPrice":19002}]})");
  CHECK(r.books.counters().malformed.load() == 2);  // a number where a string is documented
  const auto& ref = r.books.references().current(0);
  CHECK(ref_text(ref, ReferenceField::mark_price) == "19000");
  CHECK(ref_text(ref, ReferenceField::open_interest) == "5");
  CHECK(r.books.counters().references.load() == 1);
  CHECK(r.feed.oxfun_counters().tickers == 1);
}

TEST_CASE("a refused ticker is logged and counted but leaves the books alone",
          "[oxfun][feed][reference]") {
  Rig r(reference_options());
  r.frame(
      R"({"success":true,"tag":"s1","event":"subscribe","channel":"depthUpdate:BTC-USD-SWAP-LIN"})");
  r.frame(
      R"({"success":true,"tag":"s1","event":"subscribe","channel":"depthUpdate:ETH-USD-SWAP-LIN"})");
  r.frame(R"({"success":true,"tag":"s1","event":"subscribe","channel":"ticker:ETH-USD-SWAP-LIN"})");
  r.frame(
      R"({"event":"subscribe","success":false,"tag":"s1","message":"marketCode is invalid","code":"20015"})");
  CHECK(r.feed.oxfun_counters().refused_subscriptions == 1);
  CHECK(r.books.last_error() == "subscribe ticker:BTC-USD-SWAP-LIN: 20015 marketCode is invalid");
  r.partial(kA, 100, "[[19000.0,1]]");
  r.partial(kB, 200, "[[1650.0,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.status(1) == BookStatus::live);
}

TEST_CASE("without reference a ticker frame is unexpected and publishes nothing",
          "[oxfun][feed][reference]") {
  Rig r;
  r.frame(ticker(kA, "19000", "18999", "5"));
  CHECK(r.books.counters().unexpected.load() == 1);
  CHECK(r.books.counters().references.load() == 0);
  CHECK(r.books.references().current(0).known == 0);
}
