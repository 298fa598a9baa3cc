// The OCX feed: one stream per market, snapshot then update/delta, the
// eventSeq chain (PROTOCOLS.md §5), a gap or a malformed event reconnecting
// only that market's stream, and `event: error`.
#include <catch2/catch.hpp>

#include <string>

#include "feeds/ocx/markets.hpp"
#include "feeds/ocx/ocx_feed.hpp"
#include "ocx_test_util.hpp"

using namespace wirebook::feeds;
using namespace wirebook::feeds::ocx;
using ocx_test::envelope;
using ocx_test::Event;
using wirebook::book::Level;
using wirebook::book::Side;

namespace {

constexpr const char* kA = "BTC-PERP";
constexpr const char* kB = "ETH-PERP";

struct Rig {
  Rig() : books({{kA, -1, -2}, {kB, -2, -2}}, 1000, 256, nullptr), feed(books, OcxOptions{}) {
    feed.on_stream_open(0, now);
    feed.on_stream_open(1, now);
  }
  FeedAction event(std::size_t stream, const std::string& type, const std::string& json,
                   const std::string& id = "") {
    const Event e(type, id, json);
    now += 1'000'000;
    return feed.on_event(stream, e.view(), 1'700'000'000'000'000'000 + now, now);
  }
  FeedAction book(std::size_t stream, const std::string& type, std::int64_t seq,
                  const std::string& bids, const std::string& asks = "") {
    return event(stream, type, envelope(type, seq, bids, asks, stream == 0 ? kA : kB),
                 std::to_string(seq));
  }
  std::int64_t qty(std::uint32_t i, Side side, std::int64_t px) const {
    return books.book(i).qty_at(side, px);
  }
  std::int64_t now = 1'000'000'000;
  VenueBooks books;
  OcxFeed feed;
};

}  // namespace

TEST_CASE("one stream target per market with depth and intervalMs", "[ocx][feed]") {
  Rig r;
  const auto t = r.feed.stream_targets();
  REQUIRE(t.size() == 2);
  CHECK(t[0] == "/perps/book-stream?marketId=BTC-PERP&depth=25&intervalMs=100");
  CHECK(t[1] == "/perps/book-stream?marketId=ETH-PERP&depth=25&intervalMs=100");
}

TEST_CASE("a snapshot makes the book LIVE; updates apply and size 0 removes", "[ocx][feed]") {
  Rig r;
  CHECK(r.books.status(0) == BookStatus::syncing);
  CHECK(r.book(0, "snapshot", 7, "100.5:2,100:1", "101:3") == FeedAction::none);
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.qty(0, Side::bid, 1005) == 200);
  CHECK(r.book(0, "update", 8, "100.5:0,99:4") == FeedAction::none);
  CHECK(r.book(0, "delta", 9, "", "101:1.5") == FeedAction::none);
  CHECK(r.qty(0, Side::bid, 1005) == 0);
  CHECK(r.qty(0, Side::bid, 990) == 400);
  CHECK(r.qty(0, Side::ask, 1010) == 150);
  CHECK(r.books.book(0).level_count(Side::bid) == 2);
  CHECK(r.books.status(1) == BookStatus::syncing);  // the other market has its own stream
}

TEST_CASE("a second snapshot on the stream resets the book", "[ocx][feed]") {
  Rig r;
  r.book(0, "snapshot", 1, "100:1,99:1", "101:1");
  r.book(0, "update", 2, "98:1");
  // A new stream (reconnect) starts over with its own sequence.
  r.feed.on_stream_close(0, r.now);
  CHECK(r.books.status(0) == BookStatus::disconnected);
  r.feed.on_stream_open(0, r.now);
  r.book(0, "snapshot", 500, "97:2", "");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.book(0).level_count(Side::bid) == 1);
  CHECK(r.books.book(0).level_count(Side::ask) == 0);
  CHECK(r.qty(0, Side::bid, 970) == 200);
}

TEST_CASE("an eventSeq gap reconnects only that market's stream and counts the gap",
          "[ocx][feed]") {
  Rig r;
  r.book(0, "snapshot", 1, "100:1");
  r.book(1, "snapshot", 1, "200:1");
  CHECK(r.book(0, "update", 3, "100:2") == FeedAction::reconnect);
  CHECK(r.books.counters().gaps.load() == 1);
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.qty(0, Side::bid, 1000) == 100);  // the gapped update is not applied
  CHECK(r.books.status(1) == BookStatus::live);
  CHECK(r.book(1, "update", 2, "200:2") == FeedAction::none);
  CHECK(r.feed.ocx_counters().stream_restarts == 1);
  // The session reconnects stream 0; its snapshot makes the book LIVE again.
  r.feed.on_stream_close(0, r.now);
  r.feed.on_stream_open(0, r.now);
  CHECK(r.book(0, "snapshot", 40, "100:5") == FeedAction::none);
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.qty(0, Side::bid, 1000) == 500);
  CHECK(r.books.counters().reconnects.load() == 1);  // stream 0 opened again, once
}

TEST_CASE("a repeated eventSeq is dropped as stale, not a gap", "[ocx][feed]") {
  Rig r;
  r.book(0, "snapshot", 5, "100:1");
  CHECK(r.book(0, "update", 6, "100:2") == FeedAction::none);
  CHECK(r.book(0, "update", 6, "100:9") == FeedAction::none);
  CHECK(r.books.counters().stale_dropped.load() == 1);
  CHECK(r.books.counters().gaps.load() == 0);
  CHECK(r.qty(0, Side::bid, 1000) == 200);
}

TEST_CASE("a malformed event reconnects its stream, LIVE or still waiting", "[ocx][feed]") {
  Rig r;
  CHECK(r.event(0, "snapshot", "{\"eventSeq\":1,") == FeedAction::reconnect);
  CHECK(r.books.counters().malformed.load() == 1);
  r.book(1, "snapshot", 1, "200:1");
  CHECK(r.event(1, "update", R"({"eventSeq":2,"payload":{"bids":[{"price":"x","size":"1"}]}})") ==
        FeedAction::reconnect);
  CHECK(r.books.status(1) == BookStatus::resyncing);
}

TEST_CASE("a numeric id that is not the eventSeq, or another market's event, is malformed",
          "[ocx][feed]") {
  Rig r;
  r.book(0, "snapshot", 1, "100:1");
  CHECK(r.event(0, "update", envelope("update", 2, "100:2", "", kA), "9") == FeedAction::reconnect);
  CHECK(r.feed.ocx_counters().id_mismatches == 1);
  r.book(1, "snapshot", 1, "200:1");
  CHECK(r.event(1, "update", envelope("update", 2, "200:2", "", kA), "2") == FeedAction::reconnect);
  CHECK(r.feed.ocx_counters().market_mismatches == 1);
  // A non-numeric id (an eventId) is not compared.
  r.feed.on_stream_close(0, r.now);
  r.feed.on_stream_open(0, r.now);
  CHECK(r.event(0, "snapshot", envelope("snapshot", 3, "100:1", "", kA), "book-3-17") ==
        FeedAction::none);
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("a retryable error reconnects; a non-retryable one leaves the market down",
          "[ocx][feed]") {
  Rig r;
  CHECK(r.event(0, "error", R"({"code":"429","message":"busy","retryable":true})") ==
        FeedAction::reconnect);
  CHECK(r.feed.stream_enabled(0));
  CHECK(r.feed.ocx_counters().retryable_errors == 1);
  CHECK(r.books.counters().errors.load() == 1);
  CHECK(r.event(1, "error", R"({"code":"404","message":"no such market","retryable":false})") ==
        FeedAction::reconnect);
  CHECK_FALSE(r.feed.stream_enabled(1));
  CHECK(r.feed.ocx_counters().fatal_errors == 1);
  CHECK(std::string(r.books.last_error()).find("no such market") != std::string::npos);
  r.feed.on_stream_close(1, r.now);
  CHECK(r.books.status(1) == BookStatus::disconnected);
}

TEST_CASE("a snapshot that never comes reconnects the stream after the timeout", "[ocx][feed]") {
  Rig r;
  CHECK(r.feed.on_stream_timer(0, r.now) == FeedAction::none);
  r.now += 11'000'000'000;
  (void)r.feed.on_timer(r.now);
  CHECK(r.feed.on_stream_timer(0, r.now) == FeedAction::reconnect);
  CHECK(r.feed.on_stream_timer(0, r.now) == FeedAction::none);
}

TEST_CASE("heartbeat comments are counted", "[ocx][feed]") {
  Rig r;
  r.feed.on_comment(0);
  r.feed.on_comment(1);
  CHECK(r.feed.ocx_counters().heartbeats == 2);
}

TEST_CASE("an engineTs too large for nanoseconds falls back to the receive time", "[ocx][feed]") {
  Rig r;
  REQUIRE(
      r.event(
          0, "snapshot",
          R"({"eventSeq":1,"engineTs":17334000000000,"payload":{"bids":[{"price":"1","size":"1"}]}})") ==
      FeedAction::none);
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("GET /perps/markets: ids and decimals, and the configured symbols it does not list",
          "[ocx][markets]") {
  const auto ok =
      parse_markets(R"([{"id":"BTC-PERP","symbol":"BTC-PERP","priceDecimals":2,"sizeDecimals":4},)"
                    R"({"id":"ETH-PERP"}])");
  REQUIRE(ok.error.empty());
  REQUIRE(ok.markets.size() == 2);
  CHECK(ok.markets[0].price_decimals == 2);
  CHECK(ok.markets[0].size_decimals == 4);
  CHECK(ok.markets[1].price_decimals == -1);
  CHECK(unlisted({"BTC-PERP", "ETH-PERP"}, ok.markets).empty());
  CHECK(unlisted({"BTC-PERP", "XRP-PERP", "X"}, ok.markets) == "XRP-PERP, X");
  CHECK_FALSE(parse_markets("{}").error.empty());
  CHECK_FALSE(parse_markets(R"([{"symbol":"BTC-PERP"}])").error.empty());
  CHECK_FALSE(parse_markets("not json").error.empty());
}
