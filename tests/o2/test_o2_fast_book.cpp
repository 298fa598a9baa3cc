// The book frame's fast path (feeds/o2/fast_book.hpp) against the general
// parser: on every frame here both parsers must give the same status and the
// same Message, and the fast path must take the usual frames itself.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/o2/fast_book.hpp"
#include "feeds/o2/parser.hpp"
#include "message_equal.hpp"
#include "o2_test_util.hpp"

using namespace wirebook::feeds::o2;
using o2_test::fixture;
using wirebook::feed_test::Frame;

namespace {

constexpr std::size_t kMaxLevels = 8;
constexpr std::size_t kMaxFrame = 1 << 16;

// Both parsers over `text`; true when the fast path took the frame.
bool fast_and_general_agree(const std::string& text) {
  static wirebook::feed_test::ParserPair<Parser> parsers(kMaxLevels, kMaxFrame);
  INFO("frame: " << text);
  const auto checked = wirebook::feed_test::check_frame<Message>(
      parsers, text, o2_test::same_message, scan_book_frame, kMaxLevels);
  REQUIRE(checked.agree);
  return checked.taken;
}

// A delta in the working schema's order (tests/fixtures/o2/delta.json).
std::string delta(const std::string& market, const std::string& seq, const std::string& prev,
                  const std::string& bids, const std::string& asks) {
  return R"({"channel":"order_book","market_id":)" + market + R"(,"type":"delta","seq":)" + seq +
         R"(,"prev_seq":)" + prev + R"(,"ts":1700000000050,"data":{"bids":)" + bids +
         R"(,"asks":)" + asks + "}}";
}

const std::string kUsual = delta("1", "1001", "1000", "[[56745.2,0],[56745.0,3.75]]",
                                 R"([["56745.3","1.5"],{"price":"56746","size":"2"}])");

}  // namespace

TEST_CASE("the fast path takes the usual book frame as the general path", "[o2][parser][fast]") {
  CHECK(fast_and_general_agree(kUsual));
  CHECK(fast_and_general_agree(fixture("delta.json")));
  CHECK(fast_and_general_agree(fixture("snapshot.json")));
  CHECK(fast_and_general_agree(fixture("delta_seq_only.json")));
  CHECK(fast_and_general_agree(delta("2", "5", "4", "[]", "[]")));
  CHECK(fast_and_general_agree(delta("2", "5", "4", R"([{"size":1e2,"price":-0.5}])", "[[1,2]]")));
  // Empty texts in a pair reach the book, which refuses them, on both paths.
  CHECK(fast_and_general_agree(delta("2", "5", "4", R"([["",""]])", "[]")));
  // keys in another order, type update, seq and ts left out, whitespace
  CHECK(fast_and_general_agree(
      R"({"data":{"asks":[[1,2]],"bids":[]},"type":"update","market_id":3,"channel":"order_book"})"));
  CHECK(fast_and_general_agree(
      "{ \"channel\" : \"order_book\" ,\n \"market_id\" : 1 , \"type\" : \"snapshot\" , "
      "\"data\" : { \"bids\" : [ [ 1 , 2 ] ] } }\n"));
}

TEST_CASE("random usual frames: the fast path takes each and agrees with the general path",
          "[o2][parser][fast]") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const auto number = [&rng] { return wirebook::feed_test::random_decimal(rng); };
  const auto side = [&] {
    std::string s = "[";
    const std::size_t n = rng() % (kMaxLevels + 1);
    for (std::size_t k = 0; k < n; ++k) {
      s += k == 0 ? "" : ",";
      switch (rng() % 3) {
        case 0:
          s += "[" + number() + "," + number() + "]";
          break;
        case 1:
          s += "[\"" + number() + "\",\"" + number() + "\"]";
          break;
        default:
          s += R"({"price":")" + number() + R"(","size":")" + number() + "\"}";
      }
    }
    return s + "]";
  };
  for (int k = 0; k < 2000; ++k) {
    const auto seq = 1 + static_cast<std::int64_t>(rng() % 100'000'000'000);
    REQUIRE(fast_and_general_agree(delta(std::to_string(1 + k % 7), std::to_string(seq + 1),
                                         std::to_string(seq), side(), side())));
  }
}

TEST_CASE("frames of another shape are left to the general path, which gives its own verdict",
          "[o2][parser][fast]") {
  const std::vector<std::string> odd = {
      // the schema's other forms: fields inside data, other key names, no type
      fixture("delta_nested.json"),
      fixture("snapshot_objects.json"),
      fixture("snapshot_untyped.json"),
      R"({"channel":"order_book","market_id":1,"type":"delta","sequence":5,"data":{"bids":[]}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","timestamp":5,"data":{"bids":[]}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":[],"seq":5}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","bids":[],"data":{}})",
      // another channel or type, a key missing, repeated or unknown
      R"({"channel":"trades","market_id":1,"type":"delta","data":{"bids":[]}})",
      R"({"channel":"order_book","market_id":1,"type":"error","data":{"bids":[]}})",
      R"({"channel":"order_book","market_id":1,"type":"subscribed"})",
      R"({"channel":"order_book","type":"delta","data":{"bids":[]}})",
      R"({"channel":"order_book","market_id":1,"market_id":2,"type":"delta","data":{}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":[],"bids":[]}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","success":true,"data":{}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":{"bids":[]},"x":null})",
      R"({"channel":"order_book","market_id":1,"type""ts":5,"type":"delta","data":{}})",
      // values of another type or form
      R"({"channel":"order_book","market_id":"1","type":"delta","data":{"bids":[]}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","seq":null,"data":{"bids":[]}})",
      R"({"channel":"order_book","market_id":1,"type":null,"data":{"bids":[]}})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":null})",
      R"({"channel":"order_book","market_id":1,"type":"delta","data":[]})",
      R"({"channel":"order_b\u006fok","market_id":1,"type":"delta","data":{}})",
      delta("0", "2", "1", "[]", "[]"),
      delta("-1", "2", "1", "[]", "[]"),
      delta("1", "2.0", "1", "[]", "[]"),
      delta("1", "2", "1e0", "[]", "[]"),
      // levels: objects with other keys, empty texts, the wrong length or types
      delta("1", "2", "1", R"([{"price":"1","quantity":"2"}])", "[]"),
      delta("1", "2", "1", R"([{"price":"1","size":"2","x":1}])", "[]"),
      delta("1", "2", "1", R"([{"price":"","size":"2"}])", "[]"),
      delta("1", "2", "1", R"([{"price":"1","size":""}])", "[]"),
      delta("1", "2", "1", R"([{"price":"1"}])", "[]"),
      delta("1", "2", "1", R"([{"price":"1","price":"2","size":"3"}])", "[]"),
      delta("1", "2", "1", "[[1,2,3]]", "[]"),
      delta("1", "2", "1", "[[1]]", "[]"),
      delta("1", "2", "1", "[[true,1]]", "[]"),
      delta("1", "2", "1", "[[01,1]]", "[]"),
      delta("1", "2", "1", "[[1,2],]", "[]"),
      // more levels than the parser holds (too_many_levels from both)
      delta("1", "2", "1", "[[1,1],[2,1],[3,1],[4,1],[5,1],[6,1],[7,1],[8,1],[9,1]]", "[]"),
      // after the object: bytes, another object; before it: nothing closed
      kUsual + "x",
      kUsual + "{}",
      kUsual.substr(0, kUsual.size() - 1),
      // bytes JSON strings may not hold raw, and non-ASCII
      delta("1", "2", "1", "[[\"1\t\",1]]", "[]"),
      delta("1", "2", "1", "[[\"1\xc3\xa9\",1]]", "[]"),
  };
  for (const std::string& text : odd) {
    INFO("frame: " << text);
    CHECK_FALSE(fast_and_general_agree(text));
  }
}

TEST_CASE("every prefix and every one-byte change of a usual frame: both paths agree",
          "[o2][parser][fast]") {
  // One byte each of JSON's structure, digits, escapes and a key's initial.
  constexpr std::string_view kChangedBytes{" \"\\09-.e,]}s\0", 13};
  const auto taken =
      wirebook::feed_test::prefixes_and_changes(kUsual, kChangedBytes, fast_and_general_agree);
  CHECK(taken.prefixes == 0);
  CHECK(taken.changes > 0);  // changed digits still fit
}

TEST_CASE("the fast path keeps the general path's size limit", "[o2][parser][fast]") {
  const Frame f(kUsual);
  Message m;
  // A frame over the parser's max_frame is refused by both, as before.
  Parser small(kMaxLevels, kUsual.size() - 1);
  CHECK(small.parse(f.data(), f.len, f.capacity(), m) == ParseStatus::malformed);
  Parser exact(kMaxLevels, kUsual.size());
  CHECK(exact.parse(f.data(), f.len, f.capacity(), m) == ParseStatus::ok);
}
