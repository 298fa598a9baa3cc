#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "feeds/common/json_text.hpp"
#include "feeds/pulse/parser.hpp"
#include "pulse_test_util.hpp"

using namespace wirebook::feeds::pulse;
using pulse_test::fixture;

namespace {
pulse_test::Frames g_frames;
ParseStatus parse(Parser& p, const std::string& text, Message& m) {
  std::size_t len = 0;
  std::size_t cap = 0;
  const char* d = g_frames.add(text, len, cap);
  return p.parse(d, len, cap, m);
}
}  // namespace

TEST_CASE("a captured snapshot parses by its type, without prev_change_id", "[pulse][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("snapshot.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book);
  CHECK(m.type == BookType::snapshot);
  CHECK(m.instrument == "NVDA_USDC-PERPETUAL");
  CHECK(m.channel == "book.NVDA_USDC-PERPETUAL.100ms");
  CHECK(m.change_id == 193809616666);
  CHECK_FALSE(m.has_prev_change_id);
  REQUIRE(m.bids.size() == 2);
  CHECK(m.bids[0].px == "228.51");
  CHECK(m.asks[1].qty == "87.94");
}

TEST_CASE("the Pulse snapshot with prev_change_id 0 is still a snapshot", "[pulse][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("snapshot_prev0.json"), m) == ParseStatus::ok);
  CHECK(m.type == BookType::snapshot);
  CHECK(m.has_prev_change_id);
  CHECK(m.prev_change_id == 0);
  CHECK(m.instrument == "BTC_USD-PERPETUAL");
}

TEST_CASE("a change carries the chain ids and deletes become zero sizes", "[pulse][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("change.json"), m) == ParseStatus::ok);
  CHECK(m.type == BookType::change);
  CHECK(m.change_id == 193809634213);
  CHECK(m.prev_change_id == 193809631160);
  REQUIRE(m.bids.size() == 3);
  CHECK(m.bids[2].px == "0.11344");
  CHECK(m.bids[2].qty == "0");
  CHECK(m.bids[0].qty == "1054.0");
}

TEST_CASE("keys and strings with escapes read the same as plain ones", "[pulse][parser]") {
  // Keys and values are read in place unless they contain a backslash; then
  // they are unescaped. Both must give the same message.
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p,
                R"({"jsonrpc":"2.0","method":"subscripti\u006fn","params":{"channel":)"
                R"("book.BTC\u002dPERPETUAL.raw","d\u0061ta":{"timestamp":1,"ty\u0070e":"change",)"
                R"("change_id":5,"prev_change_id":4,"instrument_name":"BTC-PERPETUAL",)"
                R"("bids":[["n\u0065w",100.5,2.0]],"asks":[["delete",101.0,0.0]]}}})",
                m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book);
  CHECK(m.type == BookType::change);
  CHECK(m.instrument == "BTC-PERPETUAL");
  CHECK(m.change_id == 5);
  CHECK(m.prev_change_id == 4);
  REQUIRE(m.bids.size() == 1);
  CHECK(m.bids[0].px == "100.5");
  CHECK(m.bids[0].qty == "2.0");
  REQUIRE(m.asks.size() == 1);
  CHECK(m.asks[0].qty == "0");
  // A string where a string is required stays required: a number is malformed.
  CHECK(parse(p,
              R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.X.raw",)"
              R"("data":{"timestamp":1,"type":7,"change_id":5,"bids":[],"asks":[]}}})",
              m) == ParseStatus::malformed);
  CHECK(
      parse(p,
            R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.X.raw",)"
            R"("data":{"timestamp":1,"type":"change","change_id":5,"bids":[[1,2,3]],"asks":[]}}})",
            m) == ParseStatus::malformed);
}

TEST_CASE("actions are exactly new, change or delete", "[pulse][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  const auto frame = [](const std::string& entry) {
    return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.X.raw",)"
           R"("data":{"timestamp":1,"type":"change","change_id":5,"prev_change_id":4,)"
           R"("bids":[)" +
           entry + R"(],"asks":[]}}})";
  };
  for (const char* ok :
       {R"(["new",1,2])", R"(["change",1,2])", R"([ "new" ,1,2])", R"(["change",1,2])"}) {
    INFO(ok);
    REQUIRE(parse(p, frame(ok), m) == ParseStatus::ok);
    REQUIRE(m.bids.size() == 1);
    CHECK(m.bids[0].qty == "2");
  }
  REQUIRE(parse(p, frame(R"(["delete",1,2])"), m) == ParseStatus::ok);
  CHECK(m.bids[0].qty == "0");
  for (const char* bad : {R"(["newer",1,2])", R"(["changes",1,2])", R"(["delete ",1,2])",
                          R"(["New",1,2])", R"(["",1,2])", R"([1,1,2])", R"(["new",1])"}) {
    INFO(bad);
    CHECK(parse(p, frame(bad), m) == ParseStatus::malformed);
  }
}

TEST_CASE("integer fields take exact integers in any number form, or digit strings",
          "[pulse][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  const auto frame = [](const std::string& id) {
    return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.X.raw",)"
           R"("data":{"timestamp":1,"type":"change","change_id":)" +
           id + R"(,"prev_change_id":4,"bids":[],"asks":[]}}})";
  };
  const std::pair<const char*, std::int64_t> good[] = {
      {"193809634213", 193809634213},
      {"5.0", 5},
      {"1.7e12", 1'700'000'000'000},
      {"-3", -3},
      {R"("77")", 77},
      {"9223372036854775807", 9'223'372'036'854'775'807}};
  for (const auto& [text, value] : good) {
    INFO(text);
    REQUIRE(parse(p, frame(text), m) == ParseStatus::ok);
    CHECK(m.change_id == value);
  }
  for (const char* bad :
       {"5.5", "1e19", "9223372036854775808", R"("5.0")", R"("")", "true", "null", "[5]"}) {
    INFO(bad);
    CHECK(parse(p, frame(bad), m) == ParseStatus::malformed);
  }
}

TEST_CASE("exponent numbers are kept as written", "[pulse][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("exponent_snapshot.json"), m) == ParseStatus::ok);
  CHECK(m.bids[1].qty == "2.5e4");
  CHECK(m.asks[0].qty == "1.423e-4");
  CHECK(m.asks[1].qty == "2.2e3");
}

TEST_CASE("heartbeats, results and quotes get their kinds", "[pulse][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("test_request.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::test_request);
  REQUIRE(parse(p, fixture("heartbeat.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::heartbeat);
  REQUIRE(parse(p, fixture("subscribe_result.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::result);
  CHECK(m.id == 3);
  REQUIRE(m.result_channels.size() == 2);
  CHECK(m.result_channels[1] == "quote.BTC-PERPETUAL");
  REQUIRE(parse(p, fixture("quote.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::quote);
  CHECK(m.instrument == "BTC-PERPETUAL");
  CHECK(m.best_bid_amount == "133440.0");
  REQUIRE(parse(p, fixture("pulse_message_ok.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::other);
}

TEST_CASE("both error shapes parse, whatever error.data is", "[pulse][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("error_no_data.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.error_code == 13778);
  CHECK(m.id == 5);
  REQUIRE(parse(p, fixture("error_data_object.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.error_code == -32602);
  CHECK(m.error_message == "Invalid params");
  REQUIRE(parse(p, fixture("error_data_string.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.id == -1);
  REQUIRE(parse(p, fixture("error_data_null.json"), m) == ParseStatus::ok);
  CHECK(m.error_code == 10028);
  REQUIRE(parse(p, fixture("pulse_message_error.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.error_code == 400);
  CHECK(m.error_message == "bad request");
}

TEST_CASE("a subscribe result may be the document's string instead of a channel list",
          "[pulse][parser][documented]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("subscribe_result_string.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::result);
  CHECK(m.id == 100000);
  CHECK(m.result_not_list);
  CHECK(m.result_channels.empty());
  REQUIRE(parse(p, fixture("subscribe_result.json"), m) == ParseStatus::ok);
  CHECK_FALSE(m.result_not_list);
  REQUIRE(parse(p, R"({"jsonrpc":"2.0","id":7,"result":null})", m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::result);
  CHECK(m.result_not_list);
}

TEST_CASE("a connection.Message with a request id is an ack when 2xx and an error otherwise",
          "[pulse][parser][documented]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("pulse_message_ok_id.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::result);
  CHECK(m.id == 4);
  CHECK(m.result_not_list);
  REQUIRE(parse(p, fixture("pulse_message_common_code.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.id == 2);
  CHECK(m.error_code == 7);
  CHECK(m.error_message == "unknown method");
  // Wrapped in a result, a refusing status is still an error.
  REQUIRE(
      parse(p,
            R"({"jsonrpc":"2.0","id":9,"result":{"description":"no","response":null,"status":13}})",
            m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.error_code == 13);
  CHECK(m.error_message == "no");
}

TEST_CASE("every error object is an error: CommonCodes 1..13 as well as JSON-RPC codes",
          "[pulse][parser][documented]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("error_common_code.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::error);
  CHECK(m.id == 200001);
  CHECK(m.error_code == 3);
  CHECK(m.error_message == "method not found");
  for (int code : {1, 13, -32601, 0, 10028}) {
    INFO("code " << code);
    REQUIRE(parse(p,
                  R"({"jsonrpc":"2.0","id":1,"error":{"code":)" + std::to_string(code) +
                      R"(,"message":"m"}})",
                  m) == ParseStatus::ok);
    CHECK(m.kind == MsgKind::error);
    CHECK(m.error_code == code);
  }
}

TEST_CASE("the document's login response keeps expires_in as sent", "[pulse][parser][documented]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("auth_result_doc.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::result);
  CHECK(m.has_access_token);
  CHECK(m.expires_in == 1516239022);
  CHECK(m.refresh_token.starts_with("eyJ"));
}

TEST_CASE("book levels may be [price, amount] pairs as well as [action, price, amount]",
          "[pulse][parser][documented]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, fixture("snapshot_pairs.json"), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book);
  CHECK(m.type == BookType::snapshot);
  REQUIRE(m.asks.size() == 2);
  CHECK(m.asks[0].px == "50010.5");
  CHECK(m.asks[0].qty == "1.5");
  CHECK(m.asks[1].px == "50011");
  CHECK(m.asks[1].qty == "2.5e1");
  REQUIRE(m.bids.size() == 1);
  CHECK(m.bids[0].px == "49990");
  // Forms may mix within a side; a pair with amount 0 removes the level.
  const std::string head =
      R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.X.raw","data":)";
  REQUIRE(parse(p,
                head + R"({"type":"change","change_id":2,"prev_change_id":1,)"
                       R"("bids":[[10.5,0],["delete",10.0,0.0],["new",9.5,3]],"asks":[]}}})",
                m) == ParseStatus::ok);
  REQUIRE(m.bids.size() == 3);
  CHECK(m.bids[0].qty == "0");
  CHECK(m.bids[1].qty == "0");
  CHECK(m.bids[2].px == "9.5");
  // A pair is exactly two numbers.
  for (const char* bad : {"[[10.5]]", "[[10.5,1,2]]", "[[true,1]]", R"([["10.5",1]])"}) {
    INFO(bad);
    CHECK(parse(p, head + R"({"type":"snapshot","change_id":1,"bids":)" + bad + R"(,"asks":[]}}})",
                m) == ParseStatus::malformed);
  }
}

TEST_CASE("malformed Pulse frames are reported, never a crash", "[pulse][parser]") {
  Parser p(2, 1 << 20);
  Message m;
  const std::string good = fixture("change.json");
  for (std::size_t cut = 0; cut < good.size(); cut += 5) {
    INFO("cut " << cut);
    // malformed, or too_many_levels when the cut falls after the third bid
    CHECK(parse(p, good.substr(0, cut), m) != ParseStatus::ok);
  }
  const std::string head =
      R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.X.raw","data":)";
  CHECK(parse(p, head + R"({"type":"snapshot","change_id":1,"bids":[["new",1]],"asks":[]}}})", m) ==
        ParseStatus::malformed);
  CHECK(parse(p, head + R"({"type":"snapshot","change_id":1,"bids":[["upsert",1,1]],"asks":[]}}})",
              m) == ParseStatus::malformed);
  CHECK(parse(p, head + R"({"type":"bogus","change_id":1,"bids":[],"asks":[]}}})", m) ==
        ParseStatus::malformed);
  CHECK(parse(p, head + R"({"type":"change","bids":[],"asks":[]}}})", m) == ParseStatus::malformed);
  CHECK(parse(p, head + R"({"type":"change","change_id":"NaN","bids":[],"asks":[]}}})", m) ==
        ParseStatus::malformed);
  CHECK(
      parse(
          p,
          head +
              R"({"type":"change","change_id":2,"prev_change_id":1,"bids":[["new",1,1],["new",2,1],["new",3,1]],"asks":[]}}})",
          m) == ParseStatus::too_many_levels);
  CHECK(
      parse(p,
            head + R"({"type":"change","change_id":2,"prev_change_id":null,"bids":[],"asks":[]}}})",
            m) == ParseStatus::ok);
  CHECK_FALSE(m.has_prev_change_id);
}

TEST_CASE("strings are found in place across 32-byte blocks, escapes send them to unescaping",
          "[pulse][parser][json]") {
  using wirebook::feeds::json::detail::plain_string_at;
  // Each text starts after an opening quote, as in a frame, and is padded.
  const auto at = [](const std::string& body, std::string_view& out) {
    static std::vector<std::string> keep;
    keep.push_back(body + std::string(64, '\0'));
    return plain_string_at(keep.back().data(), out);
  };
  std::string_view v;
  for (std::size_t n : {0U, 1U, 30U, 31U, 32U, 33U, 63U, 64U, 65U, 100U}) {
    const std::string s(n, 'a');
    REQUIRE(at(s + R"(","next":"x\"y")", v));
    CHECK(v == s);
  }
  // A backslash before the closing quote, in the first block or a later one.
  CHECK_FALSE(at(R"(ab\"cd")", v));
  CHECK_FALSE(at(std::string(40, 'a') + R"(\u0041")", v));
  CHECK_FALSE(at(std::string(31, 'a') + R"(\\")", v));
  // A backslash after the closing quote (a later string) does not count.
  REQUIRE(at(R"(change","note":"\u0041")", v));
  CHECK(v == "change");
  REQUIRE(at(std::string(31, 'a') + R"(","b":"\n")", v));
  CHECK(v == std::string(31, 'a'));
}

TEST_CASE("a long instrument with an escape past the first block reads the same",
          "[pulse][parser]") {
  Parser p(100, 1 << 20);
  Message m;
  const std::string instr = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-PERPETUAL";
  REQUIRE(
      parse(
          p,
          R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.)" + instr +
              R"(.raw","data":{"timestamp":1,"type":"change","change_id":5,)"
              R"("prev_change_id":4,"instrument_name":"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345678\u0039-PERPETUAL",)"
              R"("bids":[["new",100.5,2.0]],"asks":[]}}})",
          m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::book);
  CHECK(m.instrument == instr);
  CHECK(m.channel == "book." + instr + ".raw");
}

namespace {

// A notification on `channel` around a `data` object (PROTOCOLS §2.2).
std::string notification(const std::string& channel, const std::string& data) {
  return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":")" + channel +
         R"(","data":)" + data + "}}";
}

// pulse-api.txt models.FundingRateNotification (6342-6357), verbatim.
const std::string kFundingRateDoc = R"({
  "instrument_name": "BTC_USD-PERPETUAL",
  "range_end": 1612141200,
  "range_start": 1612137600,
  "rate": "0.01"
})";

// pulse-api.txt models.PriceNotification (7116-7129), verbatim.
const std::string kPriceDoc = R"({
  "index_name": "BTC_USD-PERPETUAL",
  "price": 50000,
  "timestamp": 1612137600
})";

}  // namespace

TEST_CASE("the document's funding rate notification gives its rate and instrument",
          "[pulse][parser][reference]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, notification("funding_rates.BTC_USD-PERPETUAL", kFundingRateDoc), m) ==
          ParseStatus::ok);
  CHECK(m.kind == MsgKind::funding_rate);
  CHECK(m.instrument == "BTC_USD-PERPETUAL");
  CHECK(m.rate == "0.01");
  CHECK(m.timestamp_ms == 0);  // the notification carries none
}

TEST_CASE("the document's price notification gives the channel's index, price and timestamp",
          "[pulse][parser][reference]") {
  Parser p(100, 1 << 20);
  Message m;
  REQUIRE(parse(p, notification("deribit_price_index.btc_usd", kPriceDoc), m) == ParseStatus::ok);
  CHECK(m.kind == MsgKind::price_index);
  CHECK(m.index_name == "btc_usd");
  CHECK(m.index_price == "50000");
  CHECK(m.timestamp_ms == 1612137600);
}

TEST_CASE("reference notifications with wrong types or no value are malformed",
          "[pulse][parser][reference]") {
  Parser p(100, 1 << 20);
  Message m;
  for (const auto& [channel, data] : std::vector<std::pair<std::string, std::string>>{
           {"funding_rates.BTC_USD-PERPETUAL", R"({"rate":true})"},
           {"funding_rates.BTC_USD-PERPETUAL", R"({"rate":null})"},
           {"funding_rates.BTC_USD-PERPETUAL", R"({"rate":{"v":"0.01"}})"},
           {"funding_rates.BTC_USD-PERPETUAL", R"({"range_end":1612141200})"},
           {"funding_rates.BTC_USD-PERPETUAL", R"({"instrument_name":"ETH_USD-PERPETUAL",)"
                                               R"("rate":"0.01"})"},
           {"funding_rates.BTC_USD-PERPETUAL", R"([{"rate":"0.01"}])"},
           {"deribit_price_index.btc_usd", R"({"price":[50000]})"},
           {"deribit_price_index.btc_usd", R"({"timestamp":1612137600})"},
           {"deribit_price_index.btc_usd", R"({"price":50000,"timestamp":"soon"})"},
       }) {
    INFO(channel << " " << data);
    CHECK(parse(p, notification(channel, data), m) == ParseStatus::malformed);
  }
  // A string is read as text: the exact decimal conversion (VenueBooks) rejects "abc".
  REQUIRE(parse(p, notification("deribit_price_index.btc_usd", R"({"price":"abc"})"), m) ==
          ParseStatus::ok);
  CHECK(m.index_price == "abc");
  // Other channels keep ignoring price / rate fields of any type.
  REQUIRE(parse(p, notification("settlement_prices.btc_usd", R"({"price":true})"), m) ==
          ParseStatus::ok);
  CHECK(m.kind == MsgKind::other);
}
