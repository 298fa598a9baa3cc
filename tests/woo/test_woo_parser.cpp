#include <catch2/catch.hpp>

#include "feeds/woo/parser.hpp"
#include "woo_test_util.hpp"

using namespace wirebook::feeds::woo;
using woo_test::fixture;
using woo_test::Frame;

namespace {
ParseStatus parse(Parser& p, const std::string& text, Message& m) {
  static std::vector<Frame> keep;  // views in m point into the frame
  keep.emplace_back(text);
  return p.parse(keep.back().data(), keep.back().len, keep.back().capacity(), m);
}
}  // namespace

TEST_CASE("the documented orderbookupdate frame parses to a delta with exact number text",
          "[woo][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("orderbookupdate.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book_update);
  CHECK(m.symbol == "SPOT_BTC_USDT");
  CHECK(m.ts_ms == 1618826337580);
  CHECK(m.has_prev_ts);
  CHECK(m.prev_ts_ms == 1618826337380);
  REQUIRE(m.asks.size() == 2);
  REQUIRE(m.bids.size() == 2);
  CHECK(m.asks[0].px == "56749.15");
  CHECK(m.asks[0].qty == "3.92864");
  CHECK(m.asks[1].qty == "0");
  CHECK(m.bids[0].qty == "1.03895025");
}

TEST_CASE("the documented request reply carries the data.ts alignment key", "[woo][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("request_reply.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::request_reply);
  CHECK(m.symbol == "SPOT_BTC_USDT");
  CHECK(m.data_ts_ms == 1618880432380);
  CHECK(m.ts_ms == 1618880432419);
  CHECK(m.asks[0].px == "54700");
  CHECK(m.bids[1].px == "54699.76");
}

TEST_CASE("documented control and data frames get their kinds", "[woo][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("trade.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::trade);
  CHECK(m.price == "1.27988");
  CHECK(m.size == "300");
  CHECK(m.side == "BUY");
  REQUIRE(parse(p, fixture("bbo.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::bbo);
  CHECK(m.ask_size == "4508.53");
  REQUIRE(parse(p, fixture("orderbook.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book_snapshot);
  REQUIRE(parse(p, fixture("subscribe_ack.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::subscribe_ack);
  REQUIRE(parse(p, fixture("unsubscribe_ack.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::unsubscribe_ack);
  REQUIRE(parse(p, fixture("ping.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::ping);
  REQUIRE(parse(p, fixture("pong.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::pong);
  REQUIRE(parse(p, fixture("bbos.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::other);
}

TEST_CASE("errors are routed on success:false, with or without an event key", "[woo][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("error.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.id == "clientID7");
  CHECK(m.error_msg == "invalid symbol SPOT_WOO_USDC");
  REQUIRE(parse(p, fixture("error_no_event.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.error_msg == "invalid symbol PERP_NOPE_USDC");
}

TEST_CASE("field order does not matter and v3-style string numbers are kept as text",
          "[woo][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(
      parse(p,
            R"({"data":{"bids":[["87243","0.5"]],"asks":[],"prevTs":10,"symbol":"PERP_BTC_USDT"},)"
            R"("ts":20,"topic":"PERP_BTC_USDT@orderbookupdate"})",
            m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book_update);
  CHECK(m.bids[0].px == "87243");
  CHECK(m.prev_ts_ms == 10);
  CHECK(m.ts_ms == 20);
  REQUIRE(
      parse(
          p,
          R"({"topic":"X@orderbookupdate" , "ts" : 5 ,"data":{"prevTs":4,"asks":[[ 1.5e2 , 2E-3 ]],"bids":[]}})",
          m) == ParseStatus::ok);
  CHECK(m.asks[0].px == "1.5e2");
  CHECK(m.asks[0].qty == "2E-3");
}

TEST_CASE("malformed frames are reported, never a crash", "[woo][parser]") {
  Parser p(4, 1 << 20);
  Message m;
  const std::string good = fixture("orderbookupdate.json");
  for (std::size_t cut = 0; cut < good.size(); cut += 7) {
    INFO("truncated at " << cut);
    CHECK(parse(p, good.substr(0, cut), m) == ParseStatus::malformed);
  }
  // Wrong value types.
  CHECK(parse(p,
              R"({"topic":"X@orderbookupdate","ts":"abc","data":{"prevTs":1,"asks":[],"bids":[]}})",
              m) == ParseStatus::malformed);
  CHECK(
      parse(
          p,
          R"({"topic":"X@orderbookupdate","ts":2,"data":{"prevTs":1,"asks":[[{"p":1},2]],"bids":[]}})",
          m) == ParseStatus::malformed);
  CHECK(parse(p,
              R"({"topic":"X@orderbookupdate","ts":2,"data":{"prevTs":1,"asks":[[1]],"bids":[]}})",
              m) == ParseStatus::malformed);
  CHECK(
      parse(
          p,
          R"({"topic":"X@orderbookupdate","ts":2,"data":{"prevTs":1,"asks":[[1,2,3]],"bids":[]}})",
          m) == ParseStatus::malformed);
  CHECK(parse(p, R"({"topic":"X@orderbookupdate","ts":2,"data":{"asks":[],"bids":[]}})", m) ==
        ParseStatus::malformed);  // no prevTs
  CHECK(parse(p, R"({"topic":"X@orderbookupdate","ts":2,"data":{"prevTs":1,"asks":{},"bids":[]}})",
              m) == ParseStatus::malformed);
  CHECK(parse(p, R"({"topic":7})", m) == ParseStatus::malformed);
  CHECK(parse(p, R"([1,2,3])", m) == ParseStatus::malformed);
  CHECK(parse(p, "", m) == ParseStatus::malformed);
  CHECK(parse(p, "\xff\xfe garbage", m) == ParseStatus::malformed);
  CHECK(
      parse(
          p,
          R"({"topic":"X@orderbookupdate","ts":2,"data":{"prevTs":1,"asks":[[1,1],[2,1],[3,1],[4,1],[5,1]],"bids":[]}})",
          m) == ParseStatus::too_many_levels);
}

// ---- v3 (PROTOCOLS §1.9; fixtures are the probe's real frames) ---------------

TEST_CASE("v3: a real orderbookupdate frame parses with data.s, data.ts and string levels",
          "[woo][parser][v3]") {
  Parser p(100, 1 << 20, Protocol::v3);
  Message m;
  REQUIRE(parse(p, fixture("v3_orderbookupdate_1.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book_update);
  CHECK(m.symbol == "PERP_BTC_USDT");  // not "orderbookupdate" (the v2 reading)
  CHECK(m.has_data_ts);
  CHECK(m.data_ts_ms == 1790137719188);
  CHECK(m.prev_ts_ms == 1790137716988);
  CHECK(m.bids.empty());
  REQUIRE(m.asks.size() == 2);
  CHECK(m.asks[0].px == "87243");
  CHECK(m.asks[0].qty == "0");
  CHECK(m.asks[1].qty == "0.00526");
  Message next;
  REQUIRE(parse(p, fixture("v3_orderbookupdate_2.json"), next) == ParseStatus::ok);
  CHECK(next.prev_ts_ms == 1790137719188);  // the chain: prevTs == previous data.ts
}

TEST_CASE("v3: the documented delta keeps data.ts apart from the envelope ts",
          "[woo][parser][v3]") {
  Parser p(100, 1 << 20, Protocol::v3);
  Message m;
  REQUIRE(parse(p, fixture("v3_orderbookupdate_doc.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book_update);
  CHECK(m.symbol == "SPOT_BTC_USDT");
  CHECK(m.ts_ms == 1618826337580);
  CHECK(m.data_ts_ms == 1618826337570);
  CHECK(m.bids[0].qty == "1.03895025");
}

TEST_CASE("v3: bbo, pong, the SUBSCRIBE ack list and the error text", "[woo][parser][v3]") {
  Parser p(100, 1 << 20, Protocol::v3);
  Message m;
  REQUIRE(parse(p, fixture("v3_bbo.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::bbo);
  CHECK(m.symbol == "PERP_BTC_USDT");
  CHECK(m.bid == "86821");
  CHECK(m.bid_size == "0.35032");
  CHECK(m.ask == "87243");
  CHECK(m.ask_size == "0.32790");
  REQUIRE(parse(p, fixture("v3_pong.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::pong);
  REQUIRE(parse(p, fixture("v3_subscribe_ack.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::subscribe_ack);
  CHECK(m.id == "1");
  REQUIRE(m.acked.size() == 1);
  CHECK(m.acked[0] == "orderbookupdate@PERP_BTC_USDT@50");
  REQUIRE(parse(p, R"({"id":"s1","cmd":"SUBSCRIBE","success":true,"time":1,"data":[]})", m) ==
          ParseStatus::ok);
  CHECK(m.kind == MsgKind::subscribe_ack);
  CHECK(m.acked.empty());  // a refused topic is acked with an empty list (§1.9)
  REQUIRE(parse(p, fixture("v3_error.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.id == "8");
  CHECK(m.error_msg == "Command type invalid!");
  REQUIRE(parse(p, R"({"cmd":"PING","ts":1790137731000})", m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::ping);
}

TEST_CASE("v3: broken data frames are malformed, unknown topics are other", "[woo][parser][v3]") {
  Parser p(2, 1 << 20, Protocol::v3);
  Message m;
  // a delta without data.ts cannot be chained
  CHECK(
      parse(
          p,
          R"({"topic":"orderbookupdate@X@50","ts":5,"data":{"prevTs":4,"s":"X","asks":[],"bids":[]}})",
          m) == ParseStatus::malformed);
  // data.s naming another symbol than the topic
  CHECK(
      parse(
          p,
          R"({"topic":"orderbookupdate@X@50","ts":5,"data":{"ts":5,"prevTs":4,"s":"Y","asks":[],"bids":[]}})",
          m) == ParseStatus::malformed);
  CHECK(
      parse(
          p,
          R"({"topic":"orderbookupdate@X@50","ts":5,"data":{"ts":5,"prevTs":4,"s":"X","asks":[["1"]],"bids":[]}})",
          m) == ParseStatus::malformed);
  CHECK(
      parse(
          p,
          R"({"topic":"orderbookupdate@X@50","ts":5,"data":{"ts":5,"prevTs":4,"s":"X","asks":[["1","1"],["2","1"],["3","1"]],"bids":[]}})",
          m) == ParseStatus::too_many_levels);
  CHECK(parse(p, R"({"topic":"bbo@X","ts":5,"data":{"ts":5,"bp":"1","s":"X"}})", m) ==
        ParseStatus::malformed);
  REQUIRE(parse(p, R"({"topic":"ticker@X","ts":5,"data":{"s":"X","o":"1"}})", m) ==
          ParseStatus::ok);
  CHECK(m.kind == MsgKind::other);
}

TEST_CASE("v3 REST book: timestamp is the key; pairs and price/quantity objects are read",
          "[woo][parser][v3]") {
  Parser p(100, 1 << 20, Protocol::v3);
  Message m;
  Frame objects(
      R"({"success":true,"data":{"asks":[{"price":"87243","quantity":"0.3"}],"bids":[{"price":"86821","quantity":"0.35032"}],"timestamp":1790137716988},"timestamp":1790137716999})");
  REQUIRE(p.parse_rest_book(objects.data(), objects.len, objects.capacity(), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::request_reply);
  CHECK(m.data_ts_ms == 1790137716988);
  REQUIRE(m.asks.size() == 1);
  CHECK(m.asks[0].px == "87243");
  CHECK(m.bids[0].qty == "0.35032");
  Frame pairs(R"({"success":true,"data":{"asks":[["2","1"]],"bids":[["1","3"]],"timestamp":7}})");
  REQUIRE(p.parse_rest_book(pairs.data(), pairs.len, pairs.capacity(), m) == ParseStatus::ok);
  CHECK(m.data_ts_ms == 7);
  CHECK(m.bids[0].qty == "3");
  Frame refused(R"({"success":false,"code":-1003,"message":"rate limit"})");
  REQUIRE(p.parse_rest_book(refused.data(), refused.len, refused.capacity(), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  Frame no_key(R"({"success":true,"data":{"asks":[],"bids":[]},"timestamp":7})");
  CHECK(p.parse_rest_book(no_key.data(), no_key.len, no_key.capacity(), m) ==
        ParseStatus::malformed);
  Frame no_qty(R"({"success":true,"data":{"asks":[{"price":"1"}],"bids":[],"timestamp":7}})");
  CHECK(p.parse_rest_book(no_qty.data(), no_qty.len, no_qty.capacity(), m) ==
        ParseStatus::malformed);
}

// ---- reference data (refdata_spec §1, §2) ------------------------------------

namespace {

// The v3 doc's examples carry `//` comments: dropped here, the rest verbatim.
std::string without_doc_comments(const std::string& text) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t eol = text.find('\n', at);
    std::string line = text.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    if (const auto c = line.find("//"); c != std::string::npos) line.erase(c);
    out += line + "\n";
    at = eol == std::string::npos ? text.size() : eol + 1;
  }
  return out;
}

// woox-api.txt:3789-3924 (Websocket API V2), verbatim.
const std::string kV2Index = R"({
    "topic":"SPOT_ETH_USDT@indexprice",
    "ts":1618820361552,
    "data":{
        "symbol":"SPOT_ETH_USDT",
        "price":3987.1
    }
})";
const std::string kV2Mark = R"({
    "topic":"PERP_ETH_USDT@markprice",
    "ts":1618820361552,
    "data":{
        "symbol":"PERP_ETH_USDT",
        "price":3987.2
    }
})";
const std::string kV2OpenInterest = R"({
    "topic":"PERP_BTC_USDT@openinterest",
    "ts":1618820361552,
    "data":{
        "symbol":"PERP_BTC_USDT",
        "openInterest":1.27988
    }
})";
const std::string kV2Funding = R"({
    "topic":"PERP_BTC_USDT@estfundingrate",
    "ts":1618820361552,
    "data":{
        "symbol":"PERP_BTC_USDT",
        "fundingRate":1.27988,
        "fundingTs":1618820361552
    }
})";

// developer.woox.io websocket MARKET_PRICE, INDEX_PRICE, FUNDING_RATE,
// OPEN_INTEREST examples, verbatim (comments included).
const std::string kV3Mark = R"({
    "topic": "markprice@PERP_ETH_USDT",
    "ts": 1618820361552,
    "data": {
        "s": "PERP_ETH_USDT",  // symbol
        "px": "3987.2",        // mark price
        "ts": 1618820361552    // timestamp at which the mark price was calculated
    }
})";
const std::string kV3Index = R"({
    "topic": "indexprice@SPOT_ETH_USDT",
    "ts": 1618820361552,
    "data": {
        "s": "SPOT_ETH_USDT", // symbol
        "px": "3987.1",       // index price
        "ts": 1618820361552   // timestamp at which the index price was calculated
    }
})";
const std::string kV3Funding = R"({
"topic": "estfundingrate@PERP_BTC_USDT",
"ts": 1618820361552,
"data": {
"s": "PERP_BTC_USDT", // symbol
"r": "1.27988", // funding rate
"ft": 1618820360000 // next funding time
"ts": 1618820200000 // system timestamp
}
})";
const std::string kV3OpenInterest = R"({
    "topic": "openinterest@PERP_BTC_USDT",
    "ts": 1618820361552,
    "data": {
        "s": "PERP_BTC_USDT",  // symbol
        "oi": "936.37",        // open interest
        "ts": 1618820200000    // time of last update
    }
})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("v2: the documented mark and index frames carry the price as its number text",
          "[woo][parser][reference]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, kV2Mark, m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::mark_price);
  CHECK(m.symbol == "PERP_ETH_USDT");
  CHECK(m.price == "3987.2");
  CHECK(m.ts_ms == 1618820361552);
  REQUIRE(parse(p, kV2Index, m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::index_price);
  CHECK(m.symbol == "SPOT_ETH_USDT");
  CHECK(m.price == "3987.1");
}

TEST_CASE("v2: the documented funding and open interest frames; fundingTs is not a next time",
          "[woo][parser][reference]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, kV2Funding, m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::funding_rate);
  CHECK(m.symbol == "PERP_BTC_USDT");
  CHECK(m.funding_rate == "1.27988");
  CHECK_FALSE(m.has_next_funding);  // fundingTs is undocumented: not read
  CHECK(m.ts_ms == 1618820361552);
  REQUIRE(parse(p, kV2OpenInterest, m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::open_interest);
  CHECK(m.open_interest == "1.27988");
  // Exponent form is kept as written (converted exactly later, never via double).
  REQUIRE(parse(p, replaced(kV2OpenInterest, "1.27988", "2.5e4"), m) == ParseStatus::ok);
  CHECK(m.open_interest == "2.5e4");
}

TEST_CASE("v2: wrong-typed or missing reference values are malformed", "[woo][parser][reference]") {
  Parser p(100, 1 << 20);
  Message m;
  CHECK(parse(p, replaced(kV2Mark, "3987.2", "\"3987.2\""), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(kV2Index, "3987.1", "null"), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(kV2Index, "\"price\":3987.1", "\"px\":3987.1"), m) ==
        ParseStatus::malformed);
  CHECK(parse(p, replaced(kV2Funding, "\"fundingRate\":1.27988", "\"fundingRate\":\"1.27988\""),
              m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(kV2Funding, "\"fundingRate\":1.27988,", ""), m) ==
        ParseStatus::malformed);
  CHECK(parse(p, replaced(kV2OpenInterest, "1.27988", "true"), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(kV2OpenInterest, "1.27988", "[1]"), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(kV2OpenInterest, R"("openInterest":1.27988)", R"("oi":"1.27988")"), m) ==
        ParseStatus::malformed);
  CHECK(parse(p, replaced(kV2Mark, "\"ts\":1618820361552,", ""), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(kV2Mark, "\"symbol\":\"PERP_ETH_USDT\"", "\"symbol\":\"PERP_BTC_USDT\""),
              m) == ParseStatus::malformed);
}

TEST_CASE("v3: the documented mark, index and open interest frames parse with data.ts",
          "[woo][parser][reference][v3]") {
  Parser p(100, 1 << 20, Protocol::v3);
  Message m;
  REQUIRE(parse(p, without_doc_comments(kV3Mark), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::mark_price);
  CHECK(m.symbol == "PERP_ETH_USDT");
  CHECK(m.price == "3987.2");
  CHECK(m.data_ts_ms == 1618820361552);
  REQUIRE(parse(p, without_doc_comments(kV3Index), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::index_price);
  CHECK(m.symbol == "SPOT_ETH_USDT");
  CHECK(m.price == "3987.1");
  REQUIRE(parse(p, without_doc_comments(kV3OpenInterest), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::open_interest);
  CHECK(m.symbol == "PERP_BTC_USDT");
  CHECK(m.open_interest == "936.37");
  CHECK(m.data_ts_ms == 1618820200000);
  CHECK(m.ts_ms == 1618820361552);
}

TEST_CASE("v3: the documented funding frame (its missing comma restored) carries r and ft",
          "[woo][parser][reference][v3]") {
  Parser p(100, 1 << 20, Protocol::v3);
  Message m;
  // As documented the example is not JSON (no comma after `ft`).
  CHECK(parse(p, without_doc_comments(kV3Funding), m) == ParseStatus::malformed);
  const std::string fixed =
      replaced(without_doc_comments(kV3Funding), "1618820360000 ", "1618820360000,");
  REQUIRE(parse(p, fixed, m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::funding_rate);
  CHECK(m.symbol == "PERP_BTC_USDT");
  CHECK(m.funding_rate == "1.27988");
  CHECK(m.has_next_funding);
  CHECK(m.next_funding_ms == 1618820360000);
  CHECK(m.data_ts_ms == 1618820200000);
  // The probe's real frame (refdata_spec §2).
  REQUIRE(
      parse(
          p,
          R"({"topic":"estfundingrate@PERP_BTC_USDT","ts":1790137739007,"data":{"ts":1790137739001,"ft":1790150400000,"s":"PERP_BTC_USDT","r":"0.00004326"}})",
          m) == ParseStatus::ok);
  CHECK(m.funding_rate == "0.00004326");
  CHECK(m.next_funding_ms == 1790150400000);
}

TEST_CASE("v3: wrong-typed or missing reference values are malformed",
          "[woo][parser][reference][v3]") {
  Parser p(100, 1 << 20, Protocol::v3);
  Message m;
  const std::string mark = without_doc_comments(kV3Mark);
  const std::string oi = without_doc_comments(kV3OpenInterest);
  const std::string funding =
      R"({"topic":"estfundingrate@PERP_BTC_USDT","ts":5,"data":{"ts":4,"ft":1790150400000,"s":"PERP_BTC_USDT","r":"0.00004326"}})";
  REQUIRE(parse(p, funding, m) == ParseStatus::ok);
  CHECK(parse(p, replaced(mark, "\"3987.2\"", "3987.2"), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(mark, "\"3987.2\"", "\"\""), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(mark, "\"px\"", "\"price\""), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(oi, "\"936.37\"", "936.37"), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(funding, "\"0.00004326\"", "0.00004326"), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(funding, "1790150400000", "\"1790150400000\""), m) ==
        ParseStatus::malformed);
  CHECK(parse(p, replaced(funding, "1790150400000", "1.5"), m) == ParseStatus::malformed);
  CHECK(parse(p, replaced(funding, "\"ts\":4,", ""), m) == ParseStatus::malformed);  // no data.ts
  CHECK(parse(p, replaced(oi, "\"s\": \"PERP_BTC_USDT\"", "\"s\": \"PERP_ETH_USDT\""), m) ==
        ParseStatus::malformed);
  // The other protocol's names carry nothing here.
  CHECK(parse(p, replaced(funding, R"("r":"0.00004326")", R"("fundingRate":0.00004326)"), m) ==
        ParseStatus::malformed);
  CHECK(parse(p, replaced(oi, R"("oi": "936.37")", R"("openInterest": 936.37)"), m) ==
        ParseStatus::malformed);
  // An undocumented kind stays other.
  REQUIRE(parse(p, replaced(mark, "markprice@", "markprices@"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::other);
}
