// The O2 parser against every schema variant (fixtures in tests/fixtures/o2,
// synthetic from the working schema of DESIGN §5; see the README there).
#include <catch2/catch.hpp>

#include "feeds/o2/parser.hpp"
#include "o2_test_util.hpp"

using namespace wirebook::feeds::o2;

namespace {

struct P {
  Parser parser{64, 1U << 20U};
  o2_test::Frames frames;
  ParseStatus parse(const std::string& text, Message& m) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(text, len, cap);
    return parser.parse(d, len, cap, m);
  }
  ParseStatus rest(const std::string& text, Message& m) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(text, len, cap);
    return parser.parse_rest_book(d, len, cap, m);
  }
};

}  // namespace

TEST_CASE("the working-schema snapshot parses with top-level type, seq, ts and [p, q] numbers",
          "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(o2_test::fixture("snapshot.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book);
  CHECK(m.type == BookType::snapshot);
  CHECK(m.market_id == 1);
  CHECK(m.has_seq);
  CHECK(m.seq == 1000);
  CHECK_FALSE(m.has_prev_seq);
  CHECK(m.ts_ms == 1700000000000);
  REQUIRE(m.bids.size() == 2);
  REQUIRE(m.asks.size() == 2);
  CHECK(m.bids[0].px == "56745.2");
  CHECK(m.bids[0].qty == "1.5");
  CHECK(m.asks[1].px == "56746");
  CHECK(m.asks[1].qty == "0.125");
}

TEST_CASE("a delta carries prev_seq and zero-size deletes", "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(o2_test::fixture("delta.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book);
  CHECK(m.type == BookType::delta);
  CHECK(m.seq == 1001);
  CHECK(m.has_prev_seq);
  CHECK(m.prev_seq == 1000);
  REQUIRE(m.bids.size() == 2);
  CHECK(m.bids[0].qty == "0");
}

TEST_CASE(
    "type, market_id and sequence nested in data, 'update', and {price, size|quantity|qty} strings",
    "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(o2_test::fixture("delta_nested.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book);
  CHECK(m.type == BookType::delta);
  CHECK(m.market_id == 7);
  CHECK(m.seq == 42);
  CHECK(m.prev_seq == 41);
  CHECK(m.ts_ms == 1700000000123);
  REQUIRE(m.bids.size() == 1);
  CHECK(m.bids[0].px == "2500.15");
  CHECK(m.bids[0].qty == "10");
  REQUIRE(m.asks.size() == 2);
  CHECK(m.asks[0].qty == "0.5");
  CHECK(m.asks[1].px == "2501");
  CHECK(m.asks[1].qty == "0");
}

TEST_CASE("object levels with numbers keep the exact number text (2.5e1)", "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(o2_test::fixture("snapshot_objects.json"), m) == ParseStatus::ok);
  CHECK(m.type == BookType::snapshot);
  CHECK(m.market_id == 2);
  REQUIRE(m.bids.size() == 1);
  CHECK(m.bids[0].px == "100.0");
  CHECK(m.bids[0].qty == "2.5e1");
  CHECK(m.asks[0].px == "101.5");
}

TEST_CASE("an untyped book frame without sequence leaves the decision to the feed",
          "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(o2_test::fixture("snapshot_untyped.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book);
  CHECK(m.type == BookType::none);
  CHECK_FALSE(m.has_seq);
  CHECK_FALSE(m.has_prev_seq);
  REQUIRE(m.bids.size() == 1);
  REQUIRE(m.asks.size() == 1);
}

TEST_CASE("a seq without prev_seq is reported as such", "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(o2_test::fixture("delta_seq_only.json"), m) == ParseStatus::ok);
  CHECK(m.has_seq);
  CHECK_FALSE(m.has_prev_seq);
  CHECK(m.bids.empty());
  CHECK(m.asks.size() == 1);
}

TEST_CASE("trades come as an array or as one object, sides in any case", "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(o2_test::fixture("trades.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::trades);
  CHECK(m.market_id == 1);
  REQUIRE(m.trades.size() == 2);
  CHECK(m.trades[0].px == "56745.3");
  CHECK(m.trades[0].ts_ms == 1700000000200);
  CHECK(m.trades[1].qty == "0.5");
  CHECK(m.trades[1].ts_ms == 1700000000201);  // the envelope ts fills in
  bool known = false;
  CHECK(trade_side_is_buy(m.trades[0].side, known));
  CHECK(known);
  CHECK_FALSE(trade_side_is_buy(m.trades[1].side, known));
  CHECK(known);
  (void)trade_side_is_buy("sideways", known);
  CHECK_FALSE(known);

  REQUIRE(p.parse(o2_test::fixture("trade_object.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::trades);
  CHECK(m.market_id == 1);
  REQUIRE(m.trades.size() == 1);
  CHECK(m.trades[0].px == "56745.3");
  CHECK(m.trades[0].side == "sell");
}

TEST_CASE("ticker, mark_price and funding frames", "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(o2_test::fixture("ticker.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::ticker);
  CHECK(m.bid_px == "56745.2");
  CHECK(m.bid_qty == "1.5");
  CHECK(m.ask_px == "56745.3");
  CHECK(m.ask_qty == "2");
  REQUIRE(p.parse(o2_test::fixture("mark_price.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::mark_price);
  CHECK(m.value == "56745.25");
  REQUIRE(p.parse(o2_test::fixture("funding.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::funding);
  CHECK(m.value == "0.0001");
}

TEST_CASE("reference frames: mark_price and funding values with their ts and market",
          "[o2][parser][reference]") {
  // The working schema (schema.hpp; o2dex-api.txt documents no fields): the
  // shape the simulator sends, the aliases price / rate, ts inside data.
  P p;
  Message m;
  REQUIRE(p.parse(R"({"channel":"mark_price","market_id":3,"ts":1700000000000,)"
                  R"("data":{"mark_price":"145.2505"}})",
                  m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::mark_price);
  CHECK(m.market_id == 3);
  CHECK(m.value == "145.2505");
  CHECK(m.ts_ms == 1700000000000);
  REQUIRE(p.parse(R"({"channel":"mark_price","market_id":1,"data":{"price":56749.5,"ts":17}})",
                  m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::mark_price);
  CHECK(m.value == "56749.5");
  CHECK(m.ts_ms == 17);
  REQUIRE(p.parse(R"({"channel":"funding","market_id":2,"ts":1700000000001,)"
                  R"("data":{"funding_rate":"-0.00002375"}})",
                  m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::funding);
  CHECK(m.market_id == 2);
  CHECK(m.value == "-0.00002375");
  CHECK(m.ts_ms == 1700000000001);
  REQUIRE(p.parse(R"({"channel":"funding","market_id":2,"data":{"rate":1.25e-4}})", m) ==
          ParseStatus::ok);
  CHECK(m.value == "1.25e-4");
}

TEST_CASE("reference frames with wrong types or no value are malformed",
          "[o2][parser][reference]") {
  P p;
  Message m;
  for (const char* f : {
           R"({"channel":"mark_price","market_id":1,"data":{"mark_price":true}})",
           R"({"channel":"mark_price","market_id":1,"data":{"mark_price":null}})",
           R"({"channel":"mark_price","market_id":1,"data":{"mark_price":["1"]}})",
           R"({"channel":"mark_price","market_id":1,"data":{}})",
           R"({"channel":"mark_price","market_id":1,"ts":"later","data":{"mark_price":"1"}})",
           R"({"channel":"mark_price","market_id":1,"data":[{"mark_price":"1"}]})",
           R"({"channel":"funding","market_id":1,"data":{"funding_rate":{"r":"1"}}})",
           R"({"channel":"funding","market_id":1,"data":{"rate":false}})",
           R"({"channel":"funding","market_id":1,"data":{"next_funding_time":1}})",
       }) {
    INFO(f);
    CHECK(p.parse(f, m) == ParseStatus::malformed);
  }
}

TEST_CASE("control replies: acknowledgements and errors", "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(o2_test::fixture("subscribed.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::ack);
  REQUIRE(p.parse(o2_test::fixture("error.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.error_message == "unknown market_id 99");
  REQUIRE(p.parse(R"({"success":false,"error":"bad request"})", m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.error_message == "bad request");
  REQUIRE(p.parse(R"({"channel":"candles","market_id":1,"data":{"o":1}})", m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::other);
}

TEST_CASE("broken book frames are malformed, never a book", "[o2][parser]") {
  P p;
  Message m;
  const char* bad[] = {
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":[[1,2,3]]}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":[[1]]}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":[{"price":1}]}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":[[true,1]]}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":{"1":2}}})",
      R"({"channel":"order_book","type":"delta","data":{"bids":[[1,2]]}})",  // no market
      R"({"channel":"order_book","market_id":"x1","type":"delta","data":{}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","seq":"NaN","data":{}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":[]})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":[[1,2])",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":[[1,2]]})",
      R"([1,2,3])",
      R"(not json)",
  };
  for (const char* f : bad) {
    INFO(f);
    const ParseStatus st = p.parse(f, m);
    CHECK(st != ParseStatus::ok);
  }
}

TEST_CASE("an unknown book type is not taken as a book", "[o2][parser]") {
  P p;
  Message m;
  REQUIRE(p.parse(R"({"channel":"order_book","market_id":1,"type":"partial","data":{"bids":[]}})",
                  m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::other);
}

TEST_CASE("more levels than the parser is sized for is reported, not truncated", "[o2][parser]") {
  Parser parser(2, 1U << 20U);
  o2_test::Frames frames;
  const std::string f =
      R"({"channel":"order_book","market_id":1,"type":"snapshot","data":{"bids":[[1,1],[2,1],[3,1]],"asks":[]}})";
  std::size_t len = 0;
  std::size_t cap = 0;
  const char* d = frames.add(f, len, cap);
  Message m;
  CHECK(parser.parse(d, len, cap, m) == ParseStatus::too_many_levels);
}

TEST_CASE("the REST order book: a success envelope is a snapshot with its seq",
          "[o2][parser][rest]") {
  P p;
  Message m;
  REQUIRE(p.rest(o2_test::fixture("rest_orderbook.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book);
  CHECK(m.type == BookType::snapshot);
  CHECK(m.market_id == 1);
  CHECK(m.seq == 1000);
  REQUIRE(m.bids.size() == 2);
  CHECK(m.bids[1].px == "56745.1");
  REQUIRE(m.asks.size() == 2);
}

TEST_CASE("the REST order book: an error envelope is an error with the venue's message",
          "[o2][parser][rest]") {
  P p;
  Message m;
  REQUIRE(p.rest(o2_test::fixture("rest_orderbook_error.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.error_message == "market not found");
  // Not the envelope, or a success without a book: malformed.
  CHECK(p.rest(R"({"bids":[],"asks":[]})", m) == ParseStatus::malformed);
  CHECK(p.rest(R"({"success":true,"data":null,"error":null})", m) == ParseStatus::malformed);
  CHECK(p.rest(R"({"success":true,"data":{"foo":1},"error":null})", m) == ParseStatus::malformed);
}
