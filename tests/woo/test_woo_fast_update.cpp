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

// Both parsers over `text`; true when the fast path took the frame.
bool fast_and_general_agree(const std::string& text) {
  struct Parsers {
    Parsers() { general.set_fast_path(false); }
    Parser fast{kMaxLevels, kMaxFrame};
    Parser general{kMaxLevels, kMaxFrame};
  };
  static Parsers parsers;
  Parser& fast = parsers.fast;
  Parser& general = parsers.general;
  const Frame f(text);
  Message mf;
  Message mg;
  const ParseStatus sf = fast.parse(f.data(), f.len, f.capacity(), mf);
  const ParseStatus sg = general.parse(f.data(), f.len, f.capacity(), mg);
  INFO("frame: " << text);
  REQUIRE(sf == sg);
  if (sf == ParseStatus::ok) REQUIRE(woo_test::same_message(mf, mg));
  LevelText bids[kMaxLevels];
  LevelText asks[kMaxLevels];
  Message scanned;
  return scan_v2_update(f.data(), f.len, bids, asks, kMaxLevels, scanned);
}

std::string update(const std::string& symbol, const std::string& ts, const std::string& prev,
                   const std::string& asks, const std::string& bids) {
  return R"({"topic":")" + symbol + R"(@orderbookupdate","ts":)" + ts + R"(,"data":{"symbol":")" +
         symbol + R"(","prevTs":)" + prev + R"(,"asks":)" + asks + R"(,"bids":)" + bids + "}}";
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
}

TEST_CASE("random usual deltas: the fast path takes each and agrees with the general path",
          "[woo][parser][fast]") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const auto number = [&rng] {
    std::string s = std::to_string(rng() % 100000);
    if (rng() % 2 == 0) s += "." + std::to_string(rng() % 100000000);
    return s;
  };
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
      update("A", "2", "1", "[[\"1.5\",\"2\"]]", "[]"),
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

TEST_CASE("every prefix and every one-byte change of a usual delta: both paths agree",
          "[woo][parser][fast]") {
  for (std::size_t n = 0; n < kUsual.size(); ++n) {
    CHECK_FALSE(fast_and_general_agree(kUsual.substr(0, n)));
  }
  int taken = 0;
  for (std::size_t at = 0; at < kUsual.size(); ++at) {
    for (const char c : {' ', '"', '\\', '0', '9', '-', '.', 'e', ',', ']', '}', '@', '\0'}) {
      std::string text = kUsual;
      text[at] = c;
      if (fast_and_general_agree(text)) ++taken;
    }
  }
  CHECK(taken > 0);  // changed digits still make usual frames
}

TEST_CASE("the fast path keeps the general path's size limit and stays out of v3",
          "[woo][parser][fast]") {
  const Frame f(kUsual);
  Message m;
  // A frame over the parser's max_frame is refused by both, as before.
  Parser small(kMaxLevels, kUsual.size() - 1);
  CHECK(small.parse(f.data(), f.len, f.capacity(), m) == ParseStatus::malformed);
  // v3 frames never take the v2 fast path (its grammar makes this frame no delta).
  Parser v3(kMaxLevels, kMaxFrame, Protocol::v3);
  const ParseStatus st = v3.parse(f.data(), f.len, f.capacity(), m);
  CHECK((st != ParseStatus::ok || m.kind != MsgKind::book_update));
}
