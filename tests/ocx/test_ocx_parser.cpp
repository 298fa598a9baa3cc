// The OCX event parser: envelopes as PROTOCOLS.md §5 describes them, the kind
// from the SSE event name (or the envelope's eventType), levels, errors and
// every malformed shape.
#include <catch2/catch.hpp>

#include <string>

#include "feeds/ocx/parser.hpp"
#include "ocx_test_util.hpp"

using namespace wirebook::feeds::ocx;
using ocx_test::envelope;
using ocx_test::Frame;

namespace {

struct Rig {
  Parser parser{64, 1 << 20};
  Message m;
  ParseStatus parse(const std::string& event, const std::string& json) {
    frame = std::make_unique<Frame>(json);
    return parser.parse(event, frame->data(), frame->len, frame->capacity(), m);
  }
  std::unique_ptr<Frame> frame;
};

}  // namespace

TEST_CASE("a snapshot event carries eventSeq, engineTs and {price,size,total} levels",
          "[ocx][parser]") {
  Rig r;
  REQUIRE(r.parse("snapshot", envelope("snapshot", 7, "100.5:2,100:1.25", "101:0.5")) ==
          ParseStatus::ok);
  CHECK(r.m.kind == MsgKind::snapshot);
  CHECK(r.m.event_seq == 7);
  CHECK(r.m.has_event_seq);
  CHECK(r.m.engine_ts_ms == 1733400000000);
  CHECK(r.m.market == "BTC-PERP");
  CHECK(r.m.event_id == "book-7");
  REQUIRE(r.m.bids.size() == 2);
  CHECK(r.m.bids[0].px == "100.5");
  CHECK(r.m.bids[0].qty == "2");
  CHECK(r.m.bids[1].qty == "1.25");
  REQUIRE(r.m.asks.size() == 1);
  CHECK(r.m.asks[0].px == "101");
}

TEST_CASE("update and delta are both deltas; an unnamed event uses the envelope's eventType",
          "[ocx][parser]") {
  Rig r;
  REQUIRE(r.parse("update", envelope("update", 8, "100:0", "")) == ParseStatus::ok);
  CHECK(r.m.kind == MsgKind::delta);
  CHECK(r.m.bids[0].qty == "0");
  REQUIRE(r.parse("delta", envelope("delta", 9, "", "101:1")) == ParseStatus::ok);
  CHECK(r.m.kind == MsgKind::delta);
  REQUIRE(r.parse("message", envelope("snapshot", 10, "1:1", "")) == ParseStatus::ok);
  CHECK(r.m.kind == MsgKind::snapshot);
  REQUIRE(r.parse("message", envelope("PerpPrice", 11, "", "")) == ParseStatus::ok);
  CHECK(r.m.kind == MsgKind::other);
}

TEST_CASE("the field order does not matter", "[ocx][parser]") {
  Rig r;
  REQUIRE(r.parse("update",
                  R"({"payload":{"asks":[{"total":"3","size":"1","price":"2"}],"bids":[]},)"
                  R"("eventSeq":"12","eventType":"update"})") == ParseStatus::ok);
  CHECK(r.m.event_seq == 12);
  REQUIRE(r.m.asks.size() == 1);
  CHECK(r.m.asks[0].px == "2");
  CHECK(r.m.asks[0].qty == "1");
}

TEST_CASE("an error event gives code, message and retryable, top level or in the payload",
          "[ocx][parser]") {
  Rig r;
  REQUIRE(r.parse("error", R"({"code":"RATE_LIMIT","message":"slow down","retryable":true})") ==
          ParseStatus::ok);
  CHECK(r.m.kind == MsgKind::error);
  CHECK(r.m.code == "RATE_LIMIT");
  CHECK(r.m.message == "slow down");
  CHECK(r.m.retryable);
  REQUIRE(r.parse("error",
                  R"({"eventType":"error","eventSeq":3,)"
                  R"("payload":{"code":404,"message":"unknown market","retryable":false}})") ==
          ParseStatus::ok);
  CHECK(r.m.kind == MsgKind::error);
  CHECK(r.m.code == "404");
  CHECK(r.m.message == "unknown market");
  CHECK_FALSE(r.m.retryable);
}

TEST_CASE("malformed events are reported, never half-read", "[ocx][parser]") {
  Rig r;
  CHECK(r.parse("update", "not json") == ParseStatus::malformed);
  CHECK(r.parse("update", "[1,2]") == ParseStatus::malformed);
  CHECK(r.parse("update", R"({"payload":{"bids":[],"asks":[]}})") == ParseStatus::malformed);
  CHECK(r.parse("snapshot", R"({"eventSeq":1})") == ParseStatus::malformed);
  CHECK(r.parse("update", R"({"eventSeq":"NaN","payload":{"bids":[]}})") == ParseStatus::malformed);
  CHECK(r.parse("update", R"({"eventSeq":1,"payload":{"bids":[{"price":"1"}]}})") ==
        ParseStatus::malformed);
  CHECK(r.parse("update", R"({"eventSeq":1,"payload":{"bids":[["1","2"]]}})") ==
        ParseStatus::malformed);
  CHECK(r.parse("update", R"({"eventSeq":1,"payload":{"bids":[{"price":true,"size":"1"}]}})") ==
        ParseStatus::malformed);
  CHECK(r.parse("update", R"({"eventSeq":1,"payload":[]})") == ParseStatus::malformed);
  const std::string whole = envelope("update", 5, "1:1,2:2", "3:3");
  for (std::size_t cut = 1; cut < whole.size(); ++cut) {
    INFO("truncated at " << cut);
    CHECK(r.parse("update", whole.substr(0, cut)) == ParseStatus::malformed);
  }
}

TEST_CASE("more levels than the parser was sized for is its own status", "[ocx][parser]") {
  Parser parser(2, 1 << 16);
  Message m;
  Frame f(envelope("snapshot", 1, "1:1,2:2,3:3", ""));
  CHECK(parser.parse("snapshot", f.data(), f.len, f.capacity(), m) == ParseStatus::too_many_levels);
}

// ---- GET /perps/market-stats (ocx-api.txt "Market stats") -------------------

namespace {

// The documented fields (no example body is documented: these are its
// field names and types, every one a string).
const std::string kStats =
    R"({"markPrice":"68210.5","change24hPct":"-1.25","volume24hUsd":"152340000.5",)"
    R"("openInterestUsd":"48211003.25","funding1hPct":"0.0012"})";

ParseStatus stats(const std::string& body, MarketStats& out) {
  static Parser parser{64, 1 << 20};
  const Frame f(body);
  const ParseStatus st = parser.parse_market_stats(f.data(), f.len, f.capacity(), out);
  return st;
}

}  // namespace

TEST_CASE("a market-stats reply gives mark, USD open interest and the 1h funding percent",
          "[ocx][parser][reference]") {
  Parser parser{64, 1 << 20};
  const Frame f(kStats);
  MarketStats s;
  REQUIRE(parser.parse_market_stats(f.data(), f.len, f.capacity(), s) == ParseStatus::ok);
  CHECK(s.mark_price == "68210.5");
  CHECK(s.open_interest_usd == "48211003.25");
  CHECK(s.funding_1h_pct == "0.0012");
  CHECK(s.market.empty());  // not in the documented reply
  const Frame partial(R"({"markPrice":"1.5","marketId":"BTC-PERP"})");
  REQUIRE(parser.parse_market_stats(partial.data(), partial.len, partial.capacity(), s) ==
          ParseStatus::ok);
  CHECK(s.market == "BTC-PERP");
  CHECK(s.funding_1h_pct.empty());  // not carried
}

TEST_CASE("a market-stats reply with a wrong type or nothing to publish is malformed",
          "[ocx][parser][reference]") {
  MarketStats s;
  for (const std::string body : {
           R"({"markPrice":68210.5,"openInterestUsd":"1","funding1hPct":"0"})",
           R"({"markPrice":"1","openInterestUsd":null,"funding1hPct":"0"})",
           R"({"markPrice":"1","openInterestUsd":"1","funding1hPct":0.0012})",
           R"({"markPrice":"1","funding1hPct":{"v":"0"}})",
           R"({"markPrice":"1","marketId":7})",
           R"({"change24hPct":"1","volume24hUsd":"2"})",
           R"([{"markPrice":"1"}])",
           R"("68210.5")",
           R"({"markPrice":"1")",
           "not json",
       }) {
    INFO(body);
    CHECK(stats(body, s) == ParseStatus::malformed);
  }
}
