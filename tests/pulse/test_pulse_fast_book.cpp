// The book notification's fast path (feeds/pulse/fast_book.hpp) against the
// general parser: on every frame here both parsers must give the same status
// and the same Message, and the fast path must take the usual frames itself.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "feeds/pulse/fast_book.hpp"
#include "feeds/pulse/parser.hpp"
#include "message_equal.hpp"
#include "pulse_test_util.hpp"

using namespace wirebook::feeds::pulse;
using pulse_test::fixture;
using pulse_test::Frame;

namespace {

constexpr std::size_t kMaxLevels = 8;
constexpr std::size_t kMaxFrame = 1 << 16;

// Both parsers over `text`; true when the fast path took the frame.
bool fast_and_general_agree(const std::string& text) {
  static wirebook::feed_test::ParserPair<Parser> parsers(kMaxLevels, kMaxFrame);
  INFO("frame: " << text);
  const auto checked = wirebook::feed_test::check_frame<Message>(
      parsers, text, pulse_test::same_message, scan_book_notification, kMaxLevels);
  REQUIRE(checked.agree);
  return checked.taken;
}

std::string envelope(const std::string& channel, const std::string& data) {
  return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":")" + channel +
         R"(","data":{)" + data + "}}}";
}

// A change in the venue's key order (tests/fixtures/pulse/change.json).
std::string change(const std::string& instrument, const std::string& change_id,
                   const std::string& prev, const std::string& bids, const std::string& asks) {
  return envelope("book." + instrument + ".raw",
                  R"("timestamp":1790133842703,"type":"change","change_id":)" + change_id +
                      R"(,"instrument_name":")" + instrument + R"(","bids":)" + bids +
                      R"(,"asks":)" + asks + R"(,"prev_change_id":)" + prev);
}

const std::string kUsual =
    change("BTC-PERPETUAL", "78311875077", "78311875036",
           R"([["new",60001.9,4500.0],["delete",60000.5,0.0]])", R"([["change",60002.1,2.5e2]])");

}  // namespace

TEST_CASE("the fast path takes the usual book notification as the general path",
          "[pulse][parser][fast]") {
  CHECK(fast_and_general_agree(kUsual));
  CHECK(fast_and_general_agree(fixture("change.json")));
  CHECK(fast_and_general_agree(fixture("snapshot.json")));
  CHECK(fast_and_general_agree(fixture("exponent_snapshot.json")));
  CHECK(fast_and_general_agree(change("A", "2", "1", "[]", "[]")));
  CHECK(fast_and_general_agree(change("A", "2", "null", "[]", "[]")));
  CHECK(fast_and_general_agree(change("A", "2", "1", R"([ [ "new" , "1.5" , "2" ] ])", "[]")));
  CHECK(fast_and_general_agree(change("A", "2", "1", "[[1.5,2],[-3,0]]", R"([[4,"5"]])")));
  // data's keys in another order, some left out (the general path needs only
  // type and change_id), the 100ms channel
  CHECK(fast_and_general_agree(envelope(
      "book.A.100ms", R"("asks":[],"change_id":5,"type":"snapshot","bids":[["new",1,2]])")));
  CHECK(fast_and_general_agree(envelope("book.A.raw", R"("type":"change","change_id":7)")));
  CHECK(fast_and_general_agree(
      "{ \"jsonrpc\" : \"2.0\" ,\n \"method\" : \"subscription\" , \"params\" : { \"channel\" : "
      "\"book.A.raw\" , \"data\" : { \"type\" : \"change\" , \"change_id\" : 7 , "
      "\"prev_change_id\" : null } } }\n"));
}

TEST_CASE("random usual changes: the fast path takes each and agrees with the general path",
          "[pulse][parser][fast]") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const auto number = [&rng] {
    std::string s = wirebook::feed_test::random_decimal(rng);
    if (rng() % 10 == 0) s += "e" + std::to_string(rng() % 5);
    return s;
  };
  const auto side = [&] {
    static const char* const kActions[] = {"new", "change", "delete"};
    std::string s = "[";
    const std::size_t n = rng() % (kMaxLevels + 1);
    for (std::size_t k = 0; k < n; ++k) {
      s += k == 0 ? "[" : ",[";
      if (rng() % 4 != 0) s += std::string("\"") + kActions[rng() % 3] + "\",";
      s += number() + "," + number() + "]";
    }
    return s + "]";
  };
  for (int k = 0; k < 2000; ++k) {
    const auto id = 1 + static_cast<std::int64_t>(rng() % 100'000'000'000);
    REQUIRE(fast_and_general_agree(change("S" + std::to_string(k % 7) + "-PERPETUAL",
                                          std::to_string(id + 40), std::to_string(id), side(),
                                          side())));
  }
}

TEST_CASE(
    "notifications of another shape are left to the general path, which gives its own "
    "verdict",
    "[pulse][parser][fast]") {
  const std::string a = "book.A.raw";
  const std::vector<std::string> odd = {
      // another envelope order, an extra or a missing envelope key
      R"({"method":"subscription","jsonrpc":"2.0","params":{"channel":"book.A.raw","data":{"type":"change","change_id":2}}})",
      R"({"jsonrpc":"2.0","method":"subscription","params":{"data":{"type":"change","change_id":2},"channel":"book.A.raw"}})",
      R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.A.raw","data":{"type":"change","change_id":2},"x":1}})",
      R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.A.raw","data":{"type":"change","change_id":2}},"usOut":1})",
      R"({"method":"subscription","params":{"channel":"book.A.raw","data":{"type":"change","change_id":2}}})",
      R"({"jsonrpc":"1.0","method":"subscription","params":{"channel":"book.A.raw","data":{"type":"change","change_id":2}}})",
      R"({"jsonrpc":"2.0","method":"heartbeat","params":{"channel":"book.A.raw","data":{"type":"change","change_id":2}}})",
      // other channels, an instrument the channel does not give, a mismatch
      envelope("quote.A", R"("type":"change","change_id":2)"),
      envelope("book.A", R"("type":"change","change_id":2)"),
      envelope("book..raw", R"("type":"change","change_id":2)"),
      envelope(a, R"("type":"change","change_id":2,"instrument_name":"B")"),
      envelope(a, R"("type":"change","change_id":2,"instrument_name":"")"),
      // data's keys: required ones missing, repeated, unknown, escaped
      envelope(a, R"("change_id":2)"),
      envelope(a, R"("type":"change")"),
      envelope(a, R"("type":"change","change_id":2,"change_id":3)"),
      envelope(a, R"("type":"change","change_id":2,"bids":[],"bids":[])"),
      envelope(a, R"("type":"change","change_id":2,"usIn":1)"),
      envelope(a, R"("typ\u0065":"change","change_id":2)"),
      envelope(a, R"("type""timestamp":5,"type":"change","change_id":2)"),  // the fuzzer's
      envelope(a, R"("type":"change","change_id":2,"prev_change_id":1,"prev_change_id":null)"),
      // values of another type or form
      envelope(a, R"("type":"partial","change_id":2)"),
      envelope(a, R"("type":"chang\u0065","change_id":2)"),
      envelope(a, R"("type":"change","change_id":"2")"),
      envelope(a, R"("type":"change","change_id":2.0)"),
      envelope(a, R"("type":"change","change_id":0)"),
      envelope(a, R"("type":"change","change_id":-2)"),
      envelope(a, R"("type":"change","change_id":1234567890123456789)"),
      envelope(a, R"("type":"change","change_id":2,"prev_change_id":0)"),
      envelope(a, R"("type":"change","change_id":2,"prev_change_id":nul)"),
      envelope(a, R"("type":"change","change_id":2,"timestamp":"5")"),
      envelope(a, R"("type":"change","change_id":2,"bids":{})"),
      // entries: another action, an escape, the wrong length or element types
      change("A", "2", "1", R"([["insert",1,2]])", "[]"),
      change("A", "2", "1", R"([["de\u006cete",1,2]])", "[]"),
      change("A", "2", "1", R"([["new",1]])", "[]"),
      change("A", "2", "1", R"([["new",1,2,3]])", "[]"),
      change("A", "2", "1", R"([[1,2,3]])", "[]"),
      change("A", "2", "1", R"([["1.5",2]])", "[]"),
      change("A", "2", "1", R"([["new",true,2]])", "[]"),
      change("A", "2", "1", R"([[1,null]])", "[]"),
      change("A", "2", "1", R"([["new",01,2]])", "[]"),
      change("A", "2", "1", R"([["new",1.,2]])", "[]"),
      change("A", "2", "1", R"([["new",1,2],])", "[]"),
      // more levels than the parser holds (too_many_levels from both)
      change("A", "2", "1", "[[1,1],[2,1],[3,1],[4,1],[5,1],[6,1],[7,1],[8,1],[9,1]]", "[]"),
      // after the object: bytes, another object; before it: nothing closed
      kUsual + "x",
      kUsual + "{}",
      kUsual.substr(0, kUsual.size() - 1),
      // bytes JSON strings may not hold raw, and non-ASCII
      change("A\tB", "2", "1", "[]", "[]"),
      change("A\xc3\xa9", "2", "1", "[]", "[]"),
  };
  for (const std::string& text : odd) CHECK_FALSE(fast_and_general_agree(text));
}

TEST_CASE("every prefix and every one-byte change of a usual notification: both paths agree",
          "[pulse][parser][fast]") {
  // One byte each of JSON's structure, digits, escapes and null's initial.
  constexpr std::string_view kChangedBytes{" \"\\09-.e,]}n\0", 13};
  const auto taken =
      wirebook::feed_test::prefixes_and_changes(kUsual, kChangedBytes, fast_and_general_agree);
  CHECK(taken.prefixes == 0);
  CHECK(taken.changes > 0);  // changed digits still fit
}

TEST_CASE("the fast path keeps the general path's size limit", "[pulse][parser][fast]") {
  const Frame f(kUsual);
  Message m;
  // A frame over the parser's max_frame is refused by both, as before.
  Parser small(kMaxLevels, kUsual.size() - 1);
  CHECK(small.parse(f.data(), f.len, f.capacity(), m) == ParseStatus::malformed);
  Parser exact(kMaxLevels, kUsual.size());
  CHECK(exact.parse(f.data(), f.len, f.capacity(), m) == ParseStatus::ok);
}
