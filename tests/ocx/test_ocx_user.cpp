// The OCX private user stream (GET /perps/stream/user): its payload parser
// (positions and fills, the field names our parser.hpp documents), and the
// feed's handling: the x-api-key header on that stream only, positions to the
// positions section, fills to the ring, its eventSeq chain, a refused key.
#include <catch2/catch.hpp>

#include <string>

#include "feeds/ocx/ocx_feed.hpp"
#include "feeds/ocx/parser.hpp"
#include "ocx_test_util.hpp"

using namespace wirebook::feeds;
using namespace wirebook::feeds::ocx;
using ocx_test::Event;
using ocx_test::Frame;

namespace {

// A user-stream envelope around `payload`.
std::string user_event(const std::string& type, std::int64_t seq, const std::string& payload) {
  return R"({"eventId":"user-)" + std::to_string(seq) + R"(","eventType":")" + type +
         R"(","eventSeq":)" + std::to_string(seq) + R"(,"engineTs":1733400000000,"payload":)" +
         payload + "}";
}

const std::string kPosition =
    R"({"marketId":"BTC-PERP","size":"-0.25","entryPrice":"68210.5","unrealizedPnl":"-1.5",)"
    R"("liquidationPrice":"80000","margin":"100","leverage":"5"})";
const std::string kFill =
    R"({"marketId":"BTC-PERP","side":"sell","price":"68200","quantity":"0.25"})";

struct ParseRig {
  Parser parser{64, 1 << 20};
  UserMessage m;
  ParseStatus parse(const std::string& event, const std::string& json) {
    frame = std::make_unique<Frame>(json);
    return parser.parse_user(event, frame->data(), frame->len, frame->capacity(), m);
  }
  std::unique_ptr<Frame> frame;
};

}  // namespace

TEST_CASE("a position event gives every documented field; size is signed", "[ocx][user]") {
  ParseRig r;
  REQUIRE(r.parse("position", user_event("position", 7, kPosition)) == ParseStatus::ok);
  CHECK(r.m.kind == UserKind::position);
  CHECK(r.m.event_seq == 7);
  CHECK(r.m.engine_ts_ms == 1733400000000);
  REQUIRE(r.m.positions.size() == 1);
  const PositionFields& p = r.m.positions[0];
  CHECK(p.market == "BTC-PERP");
  CHECK(p.size == "-0.25");
  CHECK(p.entry_price == "68210.5");
  CHECK(p.pnl == "-1.5");
  CHECK(p.liquidation_price == "80000");
  CHECK(p.margin == "100");
  CHECK(p.leverage == "5");
  CHECK(r.m.fills.empty());
}

TEST_CASE("a position array (the positions at connect) and optional fields left out",
          "[ocx][user]") {
  ParseRig r;
  const std::string two =
      "[" + kPosition + R"(,{"size":"3","marketId":"ETH-PERP","entryPrice":3000.5}])";
  REQUIRE(r.parse("position", user_event("position", 1, two)) == ParseStatus::ok);
  REQUIRE(r.m.positions.size() == 2);
  CHECK(r.m.positions[1].market == "ETH-PERP");
  CHECK(r.m.positions[1].size == "3");
  CHECK(r.m.positions[1].entry_price == "3000.5");  // a JSON number's text is taken as is
  CHECK(r.m.positions[1].pnl.empty());              // not sent: published as unknown
  CHECK(r.m.positions[1].leverage.empty());
}

TEST_CASE("a fill event gives market, side, price and quantity", "[ocx][user]") {
  ParseRig r;
  REQUIRE(r.parse("fill", user_event("fill", 2, kFill)) == ParseStatus::ok);
  CHECK(r.m.kind == UserKind::fill);
  REQUIRE(r.m.fills.size() == 1);
  CHECK(r.m.fills[0].market == "BTC-PERP");
  CHECK_FALSE(r.m.fills[0].buy);
  CHECK(r.m.fills[0].price == "68200");
  CHECK(r.m.fills[0].quantity == "0.25");
  const std::string buy =
      R"({"marketId":"ETH-PERP","side":"buy","price":"1","quantity":"2","orderId":"x"})";
  REQUIRE(r.parse("fill", user_event("fill", 3, buy)) == ParseStatus::ok);
  CHECK(r.m.fills[0].buy);
}

TEST_CASE("unnamed user events use the eventType; errors and unknown events", "[ocx][user]") {
  ParseRig r;
  REQUIRE(r.parse("message", user_event("fill", 4, kFill)) == ParseStatus::ok);
  CHECK(r.m.kind == UserKind::fill);
  REQUIRE(r.parse("error", R"({"code":"401","message":"bad key","retryable":false})") ==
          ParseStatus::ok);
  CHECK(r.m.kind == UserKind::error);
  CHECK(r.m.message == "bad key");
  CHECK_FALSE(r.m.retryable);
  REQUIRE(r.parse("balance", user_event("balance", 5, R"({"usdc":"1"})")) == ParseStatus::ok);
  CHECK(r.m.kind == UserKind::other);
}

TEST_CASE("malformed user events: wrong types, missing fields, bad sides, truncation",
          "[ocx][user]") {
  ParseRig r;
  CHECK(r.parse("position", "not json") == ParseStatus::malformed);
  CHECK(r.parse("position", "[1]") == ParseStatus::malformed);
  // No payload, an empty array, a payload that is a number, an array of non-objects.
  CHECK(r.parse("position", R"({"eventSeq":1})") == ParseStatus::malformed);
  CHECK(r.parse("position", user_event("position", 1, "[]")) == ParseStatus::malformed);
  CHECK(r.parse("position", user_event("position", 1, "5")) == ParseStatus::malformed);
  CHECK(r.parse("position", user_event("position", 1, "[1,2]")) == ParseStatus::malformed);
  // Required fields missing.
  CHECK(r.parse("position", user_event("position", 1, R"({"marketId":"BTC-PERP"})")) ==
        ParseStatus::malformed);
  CHECK(r.parse("position", user_event("position", 1, R"({"size":"1"})")) ==
        ParseStatus::malformed);
  CHECK(r.parse("fill", user_event("fill", 1, R"({"marketId":"A","side":"buy","price":"1"})")) ==
        ParseStatus::malformed);
  // Wrong types.
  CHECK(r.parse("position", user_event("position", 1, R"({"marketId":"A","size":true})")) ==
        ParseStatus::malformed);
  CHECK(r.parse("position", user_event("position", 1, R"({"marketId":7,"size":"1"})")) ==
        ParseStatus::malformed);
  CHECK(r.parse("position",
                user_event("position", 1, R"({"marketId":"A","size":"1","leverage":[5]})")) ==
        ParseStatus::malformed);
  CHECK(r.parse("fill",
                user_event("fill", 1, R"({"marketId":"A","side":1,"price":"1","quantity":"1"})")) ==
        ParseStatus::malformed);
  CHECK(r.parse("position", R"({"eventSeq":"x","payload":)" + kPosition + "}") ==
        ParseStatus::malformed);
  // An unknown side.
  CHECK(
      r.parse("fill", user_event("fill", 1,
                                 R"({"marketId":"A","side":"long","price":"1","quantity":"1"})")) ==
      ParseStatus::malformed);
  const std::string whole = user_event("fill", 9, kFill);
  for (std::size_t cut = 1; cut < whole.size(); ++cut) {
    INFO("truncated at " << cut);
    CHECK(r.parse("fill", whole.substr(0, cut)) == ParseStatus::malformed);
  }
}

TEST_CASE("more user items than the parser holds is its own status", "[ocx][user]") {
  ParseRig r;
  std::string many = "[";
  for (std::size_t k = 0; k <= Parser::kMaxUserItems; ++k) many += (k ? "," : "") + kFill;
  CHECK(r.parse("fill", user_event("fill", 1, many + "]")) == ParseStatus::too_many_levels);
}

// ---- the feed ------------------------------------------------------------------

namespace {

constexpr const char* kKey = "ocx_sk_test-key-1";

struct UserRig {
  explicit UserRig(std::string key = kKey)
      : books({{"BTC-PERP", -1, -2}, {"ETH-PERP", -2, -2}}, 1000, 256, nullptr),
        feed(books, options(std::move(key))) {
    feed.on_stream_open(0, now);
    feed.on_stream_open(1, now);
    feed.on_stream_open(kUser, now);
  }
  static OcxOptions options(std::string key) {
    OcxOptions o;
    o.api_key = std::move(key);
    return o;
  }
  FeedAction event(const std::string& type, std::int64_t seq, const std::string& payload) {
    const Event e(type, "", user_event(type, seq, payload));
    now += 1'000'000;
    return feed.on_event(kUser, e.view(), 1'700'000'000'000'000'000 + now, now);
  }
  static constexpr std::size_t kUser = 2;  // after the two markets' streams
  std::int64_t now = 1'000'000'000;
  VenueBooks books;
  OcxFeed feed;
};

}  // namespace

TEST_CASE("with a key the user stream comes last and only it carries x-api-key", "[ocx][user]") {
  UserRig r;
  const auto t = r.feed.stream_targets();
  REQUIRE(t.size() == 3);
  CHECK(t[2] == "/perps/stream/user");
  CHECK(r.feed.stream_headers(0).empty());
  CHECK(r.feed.stream_headers(1).empty());
  const auto h = r.feed.stream_headers(2);
  REQUIRE(h.size() == 1);
  CHECK(h[0].first == "x-api-key");
  CHECK(h[0].second == kKey);
  UserRig none("");
  CHECK(none.feed.stream_targets().size() == 2);
  CHECK(none.feed.stream_headers(2).empty());
}

TEST_CASE("positions reach the positions section, any market; fills go to the ring",
          "[ocx][user]") {
  UserRig r;
  REQUIRE(r.event("position", 10,
                  "[" + kPosition + R"(,{"marketId":"SOL-PERP","size":"4","entryPrice":"150"}])") ==
          FeedAction::none);
  CHECK(r.feed.ocx_counters().position_updates == 2);
  CHECK(r.books.positions().size() == 2);
  CHECK(r.books.positions().slot("BTC-PERP") >= 0);
  CHECK(r.books.positions().slot("SOL-PERP") >= 0);  // not subscribed: still a position
  REQUIRE(r.event("fill", 11, kFill) == FeedAction::none);
  CHECK(r.feed.ocx_counters().fills == 1);
  // A fill in a market we do not subscribe to has no book to go with: counted only.
  REQUIRE(
      r.event("fill", 12, R"({"marketId":"SOL-PERP","side":"buy","price":"150","quantity":"4"})") ==
      FeedAction::none);
  CHECK(r.feed.ocx_counters().fills == 1);
  CHECK(r.feed.ocx_counters().fills_unlisted == 1);
  // A position whose number does not fit is rejected whole and counted.
  REQUIRE(r.event("position", 13, R"({"marketId":"BTC-PERP","size":"99999999999999999999999"})") ==
          FeedAction::none);
  CHECK(r.feed.ocx_counters().positions_rejected == 1);
  CHECK(r.books.positions().problems() == 1);
  CHECK(r.books.counters().malformed.load() == 1);
  CHECK(r.feed.ocx_counters().user_malformed == 0);
}

TEST_CASE("the user stream's eventSeq chain: a repeat is stale, a gap reconnects it",
          "[ocx][user]") {
  UserRig r;
  REQUIRE(r.event("position", 100, kPosition) == FeedAction::none);
  CHECK(r.event("fill", 100, kFill) == FeedAction::none);  // repeated: dropped
  CHECK(r.feed.ocx_counters().fills == 0);
  CHECK(r.books.counters().stale_dropped.load() == 1);
  CHECK(r.event("fill", 102, kFill) == FeedAction::reconnect);  // 101 is missing
  CHECK(r.feed.ocx_counters().user_gaps == 1);
  CHECK(r.feed.ocx_counters().fills == 0);
  // A new stream starts its own chain anywhere; the books never noticed.
  r.feed.on_stream_open(UserRig::kUser, r.now);
  CHECK(r.event("position", 5, kPosition) == FeedAction::none);
  CHECK(r.event("fill", 6, kFill) == FeedAction::none);
  CHECK(r.feed.ocx_counters().fills == 1);
  CHECK(r.books.counters().resyncs.load() == 0);
}

TEST_CASE("a malformed user event is counted and reconnects the user stream only", "[ocx][user]") {
  UserRig r;
  CHECK(r.event("fill", 1, R"({"marketId":"BTC-PERP","side":"up"})") == FeedAction::reconnect);
  CHECK(r.feed.ocx_counters().user_malformed == 1);
  CHECK(r.books.counters().malformed.load() == 1);
  CHECK(r.feed.stream_enabled(UserRig::kUser));
  CHECK(r.feed.on_stream_timer(0, r.now) == FeedAction::none);
}

TEST_CASE("a refused key (HTTP 401) is logged without the key and leaves the user stream down",
          "[ocx][user]") {
  UserRig r;
  r.feed.on_stream_refused(0, 401);  // a book stream's 401 is the session's business
  CHECK(r.feed.stream_enabled(0));
  r.feed.on_stream_refused(UserRig::kUser, 429);  // throttled: retried
  CHECK(r.feed.stream_enabled(UserRig::kUser));
  CHECK(r.books.counters().errors.load() == 0);
  r.feed.on_stream_refused(UserRig::kUser, 401);
  CHECK_FALSE(r.feed.stream_enabled(UserRig::kUser));
  CHECK(r.feed.stream_enabled(0));
  CHECK(r.feed.ocx_counters().user_refusals == 1);
  CHECK(r.books.counters().errors.load() == 1);
  const std::string err(r.books.last_error());
  CHECK(err.find("user stream") != std::string::npos);
  CHECK(err.find("401") != std::string::npos);
  CHECK(err.find("api_key") != std::string::npos);
  CHECK(err.find(kKey) == std::string::npos);
}
