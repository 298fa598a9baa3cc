// The OX.FUN parser on every documented frame of PROTOCOLS.md §4 (fixtures
// in tests/fixtures/oxfun, sources in its README).
#include <catch2/catch.hpp>

#include "feeds/oxfun/parser.hpp"
#include "oxfun_test_util.hpp"

using namespace wirebook::feeds::oxfun;
using oxfun_test::Frame;

namespace {

struct Parsed {
  explicit Parsed(const std::string& text, std::size_t max_levels = 64)
      : frame(text), parser(max_levels, 1 << 20) {
    status = parser.parse(frame.data(), frame.len, frame.capacity(), m);
  }
  Frame frame;
  Parser parser;
  Message m;
  ParseStatus status;
};

}  // namespace

TEST_CASE("a depthUpdate partial is the snapshot, with seqNum, checksum and string timestamp",
          "[oxfun][parser]") {
  Parsed p(oxfun_test::fixture("depth_update_partial.json"));
  REQUIRE(p.status == ParseStatus::ok);
  CHECK(p.m.kind == MsgKind::depth_snapshot);
  CHECK(p.m.market == "BTC-USD-SWAP-LIN");
  CHECK(p.m.seq_num == 2166539633794591);
  CHECK(p.m.has_checksum);
  CHECK(p.m.checksum == 2688268653);
  CHECK(p.m.ts_ms == 1665456142843);
  REQUIRE(p.m.bids.size() == 1);
  CHECK(p.m.bids[0].px == "19003.0");  // the number's text, never a double
  CHECK(p.m.bids[0].qty == "1.0");
  REQUIRE(p.m.asks.size() == 1);
  CHECK(p.m.asks[0].px == "19042.0");
}

TEST_CASE("a depthUpdate-diff is an increment, empty sides allowed", "[oxfun][parser]") {
  Parsed p(oxfun_test::fixture("depth_update_diff.json"));
  REQUIRE(p.status == ParseStatus::ok);
  CHECK(p.m.kind == MsgKind::depth_diff);
  CHECK(p.m.seq_num == 2166539633794590);
  CHECK(p.m.checksum == 364462986);
  CHECK(p.m.bids.empty());
  CHECK(p.m.asks.empty());
}

TEST_CASE("the full depth push has an integer timestamp", "[oxfun][parser]") {
  Parsed p(oxfun_test::fixture("depth.json"));
  REQUIRE(p.status == ParseStatus::ok);
  CHECK(p.m.kind == MsgKind::depth_full);
  CHECK(p.m.ts_ms == 1665454814328);
  CHECK(p.m.seq_num == 2166539633781384);
  REQUIRE(p.m.asks.size() == 2);
  CHECK(p.m.asks[1].px == "19205.0");
  CHECK(p.m.asks[1].qty == "4.207");
  CHECK(p.m.bids[1].px == "18824.0");
}

TEST_CASE("depthL10 has a string timestamp and no checksum", "[oxfun][parser]") {
  Parsed p(oxfun_test::fixture("depth_l10.json"));
  REQUIRE(p.status == ParseStatus::ok);
  CHECK(p.m.kind == MsgKind::depth_fixed);
  CHECK(p.m.table == "depthL10");
  CHECK(p.m.ts_ms == 1665454814328);
  CHECK_FALSE(p.m.has_checksum);
  CHECK(p.m.bids.size() == 1);
}

TEST_CASE("bestBidAsk gives both sides' price and size text", "[oxfun][parser]") {
  Parsed p(oxfun_test::fixture("best_bid_ask.json"));
  REQUIRE(p.status == ParseStatus::ok);
  CHECK(p.m.kind == MsgKind::best_bid_ask);
  CHECK(p.m.best_bid.px == "19015.0");
  CHECK(p.m.best_bid.qty == "1.0");
  CHECK(p.m.best_ask.px == "19045.0");
  CHECK(p.m.ts_ms == 1665456882928);
}

TEST_CASE("a trade push lists trades with string numbers", "[oxfun][parser]") {
  Parsed p(oxfun_test::fixture("trade.json"));
  REQUIRE(p.status == ParseStatus::ok);
  CHECK(p.m.kind == MsgKind::trades);
  REQUIRE(p.m.trades.size() == 1);
  const TradeText& t = p.m.trades[0];
  CHECK(t.market == "ETH-USD-SWAP-LIN");
  CHECK(t.price == "3079.5");
  CHECK(t.quantity == "0.074");
  CHECK(t.side == "SELL");
  CHECK(t.trade_id == "400017157974517783");
  CHECK(t.ts_ms == 1716124156643);
}

TEST_CASE("a position push keeps every value's raw decimal text", "[oxfun][parser]") {
  Parsed p(oxfun_test::fixture("position.json"));
  REQUIRE(p.status == ParseStatus::ok);
  CHECK(p.m.kind == MsgKind::positions);
  CHECK(p.m.account_id == "106464");
  REQUIRE(p.m.positions.size() == 2);
  const PositionFields& a = p.m.positions[0];
  CHECK(a.instrument == "ETH-USD-SWAP-LIN");
  CHECK(a.quantity == "0.1");
  CHECK(a.entry_price == "1900.0");
  CHECK(a.pnl == "-566.80");
  CHECK(a.liquidation_price == "0");
  CHECK(a.margin == "0");
  CHECK(a.leverage == "0");
  CHECK(a.contract_currency == "ETH");
  CHECK(a.last_updated_ms == 1616053755423);
  const PositionFields& b = p.m.positions[1];
  CHECK(b.quantity == "50.54");
  CHECK(b.pnl == "1220.9494164000000");
  CHECK(b.liquidation_price == "1317.2");
}

TEST_CASE("a short position's quantity keeps its sign", "[oxfun][parser]") {
  Parsed p(
      R"({"table":"position","data":[{"instrumentId":"BTC-USD-SWAP-LIN","quantity":"-0.25","entryPrice":"19024.5","positionPnl":"12.5","estLiquidationPrice":"22829.4","margin":"0","leverage":"0","lastUpdated":"1700000000001"}]})");
  REQUIRE(p.status == ParseStatus::ok);
  REQUIRE(p.m.positions.size() == 1);
  CHECK(p.m.positions[0].quantity == "-0.25");
}

TEST_CASE("acks, login answers and error acks", "[oxfun][parser]") {
  SECTION("subscribe ack names its channel") {
    Parsed p(oxfun_test::fixture("subscribe_ack.json"));
    REQUIRE(p.status == ParseStatus::ok);
    CHECK(p.m.kind == MsgKind::subscribe_ack);
    CHECK(p.m.channel == "depth:BTC-USD-SWAP-LIN");
    CHECK(p.m.tag == "103");
  }
  SECTION("position subscription ack") {
    Parsed p(oxfun_test::fixture("position_ack.json"));
    CHECK(p.m.kind == MsgKind::subscribe_ack);
    CHECK(p.m.channel == "position:all");
  }
  SECTION("a refused subscription carries tag, code and message") {
    Parsed p(oxfun_test::fixture("subscribe_error.json"));
    REQUIRE(p.status == ParseStatus::ok);
    CHECK(p.m.kind == MsgKind::error);
    CHECK(p.m.event == "subscribe");
    CHECK(p.m.tag == "103");
    CHECK(p.m.code == "20015");
    CHECK(code_value(p.m.code) == 20015);
    CHECK(p.m.message == "marketCode is invalid");
  }
  SECTION("too rapid") {
    Parsed p(oxfun_test::fixture("too_rapid.json"));
    CHECK(p.m.kind == MsgKind::error);
    CHECK(code_value(p.m.code) == 20007);
  }
  SECTION("a numeric code is read as its text") {
    Parsed p(oxfun_test::fixture("json_invalid.json"));
    REQUIRE(p.status == ParseStatus::ok);
    CHECK(p.m.kind == MsgKind::error);
    CHECK(code_value(p.m.code) == 20009);
  }
  SECTION("login success") {
    Parsed p(oxfun_test::fixture("login_ok.json"));
    CHECK(p.m.kind == MsgKind::login_ack);
    CHECK(p.m.tag == "1");
  }
  SECTION("login failure") {
    Parsed p(oxfun_test::fixture("login_error.json"));
    CHECK(p.m.kind == MsgKind::error);
    CHECK(p.m.event == "login");
    CHECK(code_value(p.m.code) == 20000);
    CHECK(p.m.message == "Signature is invalid");
  }
}

TEST_CASE("the greeting is any frame with a nonce; pong is plain text", "[oxfun][parser]") {
  Parsed g(oxfun_test::fixture("greeting_sim.json"));
  CHECK(g.m.kind == MsgKind::greeting);
  CHECK(g.m.nonce == "6381902743");
  Parsed n(R"({"nonce":12345})");
  CHECK(n.m.kind == MsgKind::greeting);
  Parsed pong(oxfun_test::fixture("pong.txt"));
  CHECK(pong.status == ParseStatus::ok);
  CHECK(pong.m.kind == MsgKind::pong);
  Parsed ping("ping");
  CHECK(ping.status == ParseStatus::malformed);
}

TEST_CASE("broken or inconsistent book frames are malformed, never guessed", "[oxfun][parser]") {
  const char* bad[] = {
      R"({"table":"depthUpdate","data":{"asks":[],"bids":[],"marketCode":"X"},"action":"partial"})",
      R"({"table":"depthUpdate","data":{"seqNum":1,"asks":[],"bids":[],"marketCode":"X"},"action":"increment"})",
      R"({"table":"depthUpdate-diff","data":{"seqNum":"NaN","asks":[],"bids":[],"marketCode":"X"}})",
      R"({"table":"depthUpdate-diff","data":{"seqNum":2,"asks":[[1.0]],"bids":[],"marketCode":"X"}})",
      R"({"table":"depthUpdate-diff","data":{"seqNum":2,"asks":[[{"p":1},1]],"bids":[],"marketCode":"X"}})",
      R"({"table":"depthUpdate-diff","data":{"seqNum":2,"asks":[],"bids":[]}})",
      R"({"table":"trade","data":[{"price":"1"}]})",
      R"({"table":"position","data":[{"quantity":"1"}]})",
      R"({"table":"depth","data":{"seqNum":2,"asks":[[1.0,2.0],)",
      "[1,2]",
  };
  for (const char* f : bad) {
    INFO(f);
    Parsed p(f);
    CHECK(p.status == ParseStatus::malformed);
  }
}

TEST_CASE("more levels than the parser was sized for are reported", "[oxfun][parser]") {
  Parsed p(
      R"({"table":"depthUpdate-diff","data":{"seqNum":2,"asks":[[1.0,1.0],[2.0,1.0],[3.0,1.0]],"bids":[],"marketCode":"X"}})",
      2);
  CHECK(p.status == ParseStatus::too_many_levels);
}

TEST_CASE("exponent-form numbers keep their text", "[oxfun][parser]") {
  Parsed p(
      R"({"table":"depthUpdate-diff","data":{"seqNum":9,"asks":[[2.5e4,1E-8]],"bids":[[19000,0]],"marketCode":"X","timestamp":"1"},"action":"increment"})");
  REQUIRE(p.status == ParseStatus::ok);
  CHECK(p.m.asks[0].px == "2.5e4");
  CHECK(p.m.asks[0].qty == "1E-8");
  CHECK(p.m.bids[0].qty == "0");
}

// ---- ticker (docs.ox.fun/api/websocket/subscriptions-public/ticker) ---------

namespace {

// The documented example, verbatim but for its trailing "..." (more markets).
const std::string kTickerDoc = R"({
    "table": "ticker",
    "data": [
        {
            "last": "0",
            "open24h": "2.80500000",
            "high24h": "3.39600000",
            "low24h": "2.53300000",
            "volume24h": "0",
            "currencyVolume24h": "0",
            "openInterest": "0",
            "marketCode": "1INCH-USDT",
            "timestamp": "1622020931049",
            "lastQty": "0",
            "markPrice": "3.304",
            "lastMarkPrice": "3.304",
            "indexPrice": "3.304"
        }
    ]
})";

// One ticker item with `field` set to the raw JSON `value`.
std::string ticker_with(const std::string& field, const std::string& value) {
  std::string item =
      R"({"marketCode":"OX-USDT","timestamp":"1622020931049","markPrice":"3.304","indexPrice":"3.3","openInterest":"12.5"})";
  const std::string key = "\"" + field + "\":";
  const auto at = item.find(key);
  if (at == std::string::npos) {
    item.insert(1, key + value + ",");
  } else {
    const auto end = item.find_first_of(",}", at + key.size());
    item.replace(at + key.size(), end - at - key.size(), value);
  }
  return R"({"table":"ticker","data":[)" + item + "]}";
}

}  // namespace

TEST_CASE("the documented ticker frame gives mark, index, open interest and its timestamp",
          "[oxfun][parser][reference]") {
  Parsed p(kTickerDoc);
  REQUIRE(p.status == ParseStatus::ok);
  CHECK(p.m.kind == MsgKind::tickers);
  REQUIRE(p.m.tickers.size() == 1);
  const TickerText& t = p.m.tickers[0];
  CHECK(t.market == "1INCH-USDT");
  CHECK(t.mark_price == "3.304");
  CHECK(t.index_price == "3.304");
  CHECK(t.open_interest == "0");
  CHECK(t.ts_ms == 1622020931049);
}

TEST_CASE("a ticker frame may carry several markets (ticker:all)", "[oxfun][parser][reference]") {
  Parsed p(
      R"({"table":"ticker","data":[{"marketCode":"BTC-USD-SWAP-LIN","timestamp":"1","markPrice":"19024.5","lastMarkPrice":"19000","indexPrice":"19020","openInterest":"42.1"},)"
      R"({"marketCode":"OX-USDT","timestamp":"2","markPrice":"0.004","indexPrice":"0.0041"}]})");
  REQUIRE(p.status == ParseStatus::ok);
  REQUIRE(p.m.tickers.size() == 2);
  CHECK(p.m.tickers[0].market == "BTC-USD-SWAP-LIN");
  CHECK(p.m.tickers[0].mark_price == "19024.5");  // not lastMarkPrice
  CHECK(p.m.tickers[0].open_interest == "42.1");
  CHECK(p.m.tickers[1].mark_price == "0.004");
  CHECK(p.m.tickers[1].index_price == "0.0041");
  CHECK(p.m.tickers[1].open_interest.empty());  // not carried
  CHECK(p.m.tickers[1].ts_ms == 2);
}

TEST_CASE("a ticker with a wrong-typed or missing field is malformed as a whole",
          "[oxfun][parser][reference]") {
  CHECK(Parsed(ticker_with("markPrice", "\"3.304\"")).status == ParseStatus::ok);
  for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"markPrice", "3.304"},  // documented as a STRING
           {"indexPrice", "null"},
           {"openInterest", "{}"},
           {"openInterest", "true"},
           {"timestamp", "1622020931049"},  // a string of ms on the wire
           {"timestamp", "\"16220x0931049\""},
           {"marketCode", "7"},
       }) {
    INFO(field << " = " << value);
    Parsed p(ticker_with(field, value));
    CHECK(p.status == ParseStatus::malformed);
    CHECK(p.m.tickers.empty());
  }
  CHECK(Parsed(R"({"table":"ticker","data":[{"timestamp":"1","markPrice":"1"}]})").status ==
        ParseStatus::malformed);  // no marketCode
  CHECK(Parsed(R"({"table":"ticker","data":[{"marketCode":"OX-USDT","markPrice":"1"}]})").status ==
        ParseStatus::malformed);  // no timestamp
  CHECK(Parsed(R"({"table":"ticker","data":{"marketCode":"OX-USDT","timestamp":"1"}})").status ==
        ParseStatus::malformed);  // data must be an array
}
