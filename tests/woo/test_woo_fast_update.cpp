// The v2 delta's fast path (feeds/woo/fast_update.hpp) against the general
// parser: on every frame here both parsers must give the same status and the
// same Message, and the fast path must take the usual frames itself.
#include <catch2/catch.hpp>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "feeds/woo/fast_update.hpp"
#include "feeds/woo/parser.hpp"
#include "message_equal.hpp"
#include "woo_test_util.hpp"

using namespace wirebook::feeds::woo;
using woo_test::fixture;
using woo_test::Frame;

namespace {

constexpr std::size_t kMaxLevels = 8;
constexpr std::size_t kMaxFrame = 1 << 16;

// Both parsers of `protocol` over `text`; true when the fast path took the frame.
bool fast_and_general_agree(const std::string& text, Protocol protocol = Protocol::v2) {
  using Pair = wirebook::feed_test::ParserPair<Parser>;
  static Pair v2(kMaxLevels, kMaxFrame, Protocol::v2);
  static Pair v3(kMaxLevels, kMaxFrame, Protocol::v3);
  INFO("frame: " << text);
  const auto checked = wirebook::feed_test::check_frame<Message>(
      protocol == Protocol::v2 ? v2 : v3, text, woo_test::same_message,
      protocol == Protocol::v2 ? scan_v2_update : scan_v3_update, kMaxLevels);
  REQUIRE(checked.agree);
  return checked.taken;
}

bool v3_agree(const std::string& text) {
  return fast_and_general_agree(text, Protocol::v3);
}

std::string update(const std::string& symbol, const std::string& ts, const std::string& prev,
                   const std::string& asks, const std::string& bids) {
  return R"({"topic":")" + symbol + R"(@orderbookupdate","ts":)" + ts + R"(,"data":{"symbol":")" +
         symbol + R"(","prevTs":)" + prev + R"(,"asks":)" + asks + R"(,"bids":)" + bids + "}}";
}

// v3 in the venue's real key order (tests/fixtures/woo/v3_orderbookupdate_1.json).
std::string v3_update(const std::string& topic, const std::string& symbol, const std::string& ts,
                      const std::string& prev, const std::string& asks, const std::string& bids) {
  return R"({"topic":")" + topic + R"(","ts":)" + ts + R"(,"data":{"ts":)" + ts + R"(,"bids":)" +
         bids + R"(,"asks":)" + asks + R"(,"prevTs":)" + prev + R"(,"s":")" + symbol + R"("}})";
}

const std::string kUsual = update("SPOT_BTC_USDT", "1618826337580", "1618826337380",
                                  "[[56749.15,3.92864],[56749.8,0]]", "[[56745.2,1.03895025]]");

}  // namespace

TEST_CASE("the fast path takes the usual delta, compact or pretty-printed, as the general path",
          "[woo][parser][fast]") {
  CHECK(fast_and_general_agree(kUsual));
  CHECK(fast_and_general_agree(fixture("orderbookupdate.json")));  // the doc's, with whitespace
  CHECK(fast_and_general_agree(update("PERP_ETH_USDT", "2", "1", "[]", "[]")));
  CHECK(fast_and_general_agree(
      update("X", "5", "4", "[[-0.5,1e-3],[2E+2,0.0]]", "[ [ 1 , 2 ] , [3.25,4] ]")));
  CHECK(fast_and_general_agree(update("A", "2", "1", R"([["1.5","2"]])", "[]")));
}

TEST_CASE("v3: the fast path takes the real and the documented key order as the general path",
          "[woo][parser][fast]") {
  CHECK(v3_agree(fixture("v3_orderbookupdate_doc.json")));
  CHECK(v3_agree(fixture("v3_orderbookupdate_1.json")));
  CHECK(v3_agree(fixture("v3_orderbookupdate_2.json")));
  CHECK(v3_agree(v3_update("orderbookupdate@PERP_BTC_USDT@50", "PERP_BTC_USDT", "1790137719188",
                           "1790137716988", R"([["87243","0"],["95000","0.00526"]])", "[]")));
  CHECK(
      v3_agree(v3_update("orderbookupdate@A", "A", "2", "1", "[[1.5,2]]", R"([ [ "3" , "4" ] ])")));
  const std::vector<std::string> odd = {
      // a symbol mismatch, an empty symbol, a depth that is not a number, another kind
      v3_update("orderbookupdate@A@50", "B", "2", "1", "[]", "[]"),
      v3_update("orderbookupdate@@50", "", "2", "1", "[]", "[]"),
      v3_update("orderbookupdate@A@5x", "A", "2", "1", "[]", "[]"),
      v3_update("orderbookupdate@A@", "A", "2", "1", "[]", "[]"),
      v3_update("bbo@A", "A", "2", "1", "[]", "[]"),
      v3_update("orderbookupdateX@A@50", "A", "2", "1", "[]", "[]"),
      // a key missing, repeated or unknown; v2's data.symbol
      R"({"topic":"orderbookupdate@A@50","ts":2,"data":{"ts":2,"bids":[],"asks":[],"s":"A"}})",
      R"({"topic":"orderbookupdate@A@50","ts":2,"data":{"ts":2,"ts":3,"bids":[],"asks":[],"prevTs":1,"s":"A"}})",
      R"({"topic":"orderbookupdate@A@50","ts":2,"data":{"ts":2,"bids":[],"asks":[],"prevTs":1,"s":"A","x":1}})",
      R"({"topic":"orderbookupdate@A@50","ts":2,"data":{"ts":2,"bids":[],"asks":[],"prevTs":1,"symbol":"A"}})",
      // values of another type or form
      v3_update("orderbookupdate@A@50", "A", "\"2\"", "1", "[]", "[]"),
      v3_update("orderbookupdate@A@50", "A", "2", "1", R"([["1\u0030","2"]])", "[]"),
      v3_update("orderbookupdate@A@50", "A", "2", "1", R"([["1",true]])", "[]"),
      v3_update("orderbookupdate@A@50", "A", "2", "1", "[[1,2,3]]", "[]"),
      v3_update("orderbookupdate@A@50", "A", "2", "1", "[]", "[]") + " x",
  };
  for (const std::string& text : odd) CHECK_FALSE(v3_agree(text));
}

TEST_CASE("random usual deltas: the fast path takes each and agrees with the general path",
          "[woo][parser][fast]") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const auto number = [&rng] { return wirebook::feed_test::random_decimal(rng); };
  const auto side = [&] {
    std::string s = "[";
    const std::size_t n = rng() % (kMaxLevels + 1);
    for (std::size_t k = 0; k < n; ++k)
      s += (k == 0 ? "[" : ",[") + number() + "," + number() + "]";
    return s + "]";
  };
  for (int k = 0; k < 2000; ++k) {
    const auto ts = 1'600'000'000'000 + static_cast<std::int64_t>(rng() % 100'000'000'000);
    REQUIRE(fast_and_general_agree(update("SPOT_S" + std::to_string(k % 7), std::to_string(ts),
                                          std::to_string(ts - 100), side(), side())));
  }
}

TEST_CASE("frames of another shape are left to the general path, which gives its own verdict",
          "[woo][parser][fast]") {
  const std::vector<std::string> odd = {
      // another key order, another or an extra key, a missing one
      R"({"ts":1618826337580,"topic":"SPOT_BTC_USDT@orderbookupdate","data":{"symbol":"SPOT_BTC_USDT","prevTs":1618826337380,"asks":[],"bids":[]}})",
      update("A", "2", "1", "[]", "[]").insert(1, R"("id":"x",)"),
      R"({"topic":"A@orderbookupdate","ts":2,"data":{"symbol":"A","prevTs":1,"bids":[],"asks":[]}})",
      R"({"topic":"A@orderbookupdate","ts":2,"data":{"symbol":"A","prevTs":1,"asks":[]}})",
      // escapes, a symbol mismatch, an empty or doubled topic symbol
      update("SPOT\\u005fBTC", "2", "1", "[]", "[]"),
      R"({"topic":"A@orderbookupdate","ts":2,"data":{"symbol":"B","prevTs":1,"asks":[],"bids":[]}})",
      update("", "2", "1", "[]", "[]"),
      update("A@B", "2", "1", "[]", "[]"),
      // numbers outside the JSON grammar or in another form
      update("A", "2", "1", "[[01.5,1]]", "[]"),
      update("A", "2", "1", "[[1.,1]]", "[]"),
      update("A", "2", "1", "[[.5,1]]", "[]"),
      update("A", "2", "1", "[[+1,1]]", "[]"),
      update("A", "2", "1", "[[1e,1]]", "[]"),
      update("A", "2", "1", "[[1,2,3]]", "[]"),
      update("A", "2", "1", "[[1]]", "[]"),
      update("A", "2", "1", "[[1,2],]", "[]"),
      update("A", "\"2\"", "1", "[]", "[]"),
      update("A", "2.0", "1", "[]", "[]"),
      update("A", "2e3", "1", "[]", "[]"),
      update("A", "0", "1", "[]", "[]"),
      update("A", "2", "0", "[]", "[]"),
      update("A", "2", "-1", "[]", "[]"),
      update("A", "1234567890123456789", "1", "[]", "[]"),
      update("A", "99999999999999999999", "1", "[]", "[]"),
      // more levels than the parser holds (too_many_levels from both)
      update("A", "2", "1", "[[1,1],[2,1],[3,1],[4,1],[5,1],[6,1],[7,1],[8,1],[9,1]]", "[]"),
      // after the object: bytes, another object; before it: nothing closed
      kUsual + "x",
      kUsual + "{}",
      kUsual.substr(0, kUsual.size() - 1),
      // bytes JSON strings may not hold raw, and non-ASCII
      update("A\tB", "2", "1", "[]", "[]"),
      update("A\xc3\xa9", "2", "1", "[]", "[]"),
  };
  for (const std::string& text : odd) CHECK_FALSE(fast_and_general_agree(text));
}

// One byte each of JSON's structure, digits, escapes and the topic's '@'.
constexpr std::string_view kChangedBytes{" \"\\09-.e,]}@\0", 13};

TEST_CASE("every prefix and every one-byte change of a usual delta: both paths agree",
          "[woo][parser][fast]") {
  const auto v2 = wirebook::feed_test::prefixes_and_changes(
      kUsual, kChangedBytes, [](const std::string& text) { return fast_and_general_agree(text); });
  CHECK(v2.prefixes == 0);
  CHECK(v2.changes > 0);
  std::string v3 = fixture("v3_orderbookupdate_1.json");
  while (!v3.empty() && (v3.back() == '\n' || v3.back() == ' ')) v3.pop_back();
  const auto t3 = wirebook::feed_test::prefixes_and_changes(v3, kChangedBytes, v3_agree);
  CHECK(t3.prefixes == 0);
  CHECK(t3.changes > 0);
}

TEST_CASE("the fast path keeps the general path's size limit; each protocol scans its own",
          "[woo][parser][fast]") {
  const Frame f(kUsual);
  Message m;
  // A frame over the parser's max_frame is refused by both, as before.
  Parser small(kMaxLevels, kUsual.size() - 1);
  CHECK(small.parse(f.data(), f.len, f.capacity(), m) == ParseStatus::malformed);
  // Each protocol's scan takes only its own delta.
  CHECK_FALSE(v3_agree(kUsual));
  CHECK_FALSE(fast_and_general_agree(fixture("v3_orderbookupdate_1.json")));
}
