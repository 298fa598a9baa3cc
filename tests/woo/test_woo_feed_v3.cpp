// The v3 session: batched SUBSCRIBE with ack checking, REST snapshots aligned
// on the data.ts chain, {"cmd":"PING"}, and the planned reconnect before the
// connection cap (PROTOCOLS §1.4, §1.5.4, §1.9).
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "feeds/woo/woo_feed.hpp"
#include "woo_test_util.hpp"

using namespace wirebook::feeds;
using namespace wirebook::feeds::woo;
using wirebook::book::Level;
using wirebook::book::Side;
using woo_test::Frame;
using woo_test::RecordingOutbox;
using woo_test::Rig;
using woo_test::v3_options;

namespace {

std::vector<std::string> symbols(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back("PERP_S" + std::to_string(i) + "_USDT");
  return v;
}

}  // namespace

TEST_CASE("v3: connecting subscribes in batches of at most 10 topics and GETs each REST book",
          "[woo][feed][v3]") {
  Rig r(symbols(12), v3_options(true));  // 24 topics: 10 + 10 + 4
  REQUIRE(r.out.sent.size() == 3);
  CHECK(
      r.out.sent[0].rfind(
          R"({"id":"s0","cmd":"SUBSCRIBE","params":["orderbookupdate@PERP_S0_USDT@50","bbo@PERP_S0_USDT",)",
          0) == 0);
  for (std::size_t k = 0; k < 3; ++k) {
    const auto& s = r.out.sent[k];
    std::size_t n = 0;
    for (std::size_t p = s.find("\"params\":["); p != std::string::npos && p < s.size(); ++p) {
      if (s[p] == ',' || s[p] == '[') n += s[p + 1] == '"' ? 1U : 0U;
    }
    CHECK(n == (k < 2 ? 10U : 4U));
  }
  CHECK(r.out.count("orderbookupdate@PERP_S11_USDT@50") == 1);
  REQUIRE(r.rest.gets.size() == 12);
  CHECK(r.rest.gets[3].first == "/v3/public/orderbook?symbol=PERP_S3_USDT&maxLevel=50");
  CHECK(r.rest.gets[3].second == 3);
  CHECK(r.books.status(0) == BookStatus::syncing);
}

TEST_CASE("v3: buffered deltas align on the REST book's timestamp, then chain on data.ts",
          "[woo][feed][v3]") {
  Rig r;
  r.delta("PERP_BTC_USDT", 90, 100, R"([["10.01","1"]])");   // inside the snapshot: dropped
  r.delta("PERP_BTC_USDT", 100, 110, R"([["10.02","2"]])");  // prevTs == timestamp: applied
  r.delta("PERP_BTC_USDT", 110, 120, R"([["10.01","0"]])");
  CHECK(r.books.status(0) == BookStatus::syncing);
  r.rest_reply(0, 100, R"([{"price":"10.01","quantity":"1"},{"price":"10.00","quantity":"3"}])",
               R"([{"price":"10.05","quantity":"4"}])");
  REQUIRE(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{1002, 200000}, {1000, 300000}});
  CHECK(r.top(0, Side::ask) == std::vector<Level>{{1005, 400000}});
  // The chain key is data.ts (the envelope ts is one later in this rig).
  r.delta("PERP_BTC_USDT", 120, 130, "[]", R"([["10.04","1.5"]])");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::ask).front() == Level{1004, 150000});
  CHECK(r.books.counters().gaps == 0);
  CHECK(r.books.status(1) == BookStatus::syncing);
}

TEST_CASE("v3: a REST book behind the buffered chain is fetched again, never applied",
          "[woo][feed][v3]") {
  Rig r;
  r.delta("PERP_BTC_USDT", 200, 210, R"([["10.02","2"]])");
  r.delta("PERP_BTC_USDT", 210, 220, R"([["10.03","2"]])");
  REQUIRE(r.gets_for("PERP_BTC_USDT") == 1);
  // The REST book lags the socket (the probe saw up to 46 s): timestamp 150
  // is older than every buffered prevTs.
  r.rest_reply(0, 150, R"([["10.00","1"]])", R"([["10.05","1"]])");
  CHECK(r.books.status(0) != BookStatus::live);
  CHECK(r.books.counters().snapshots == 0);
  // Asked again after the short pause, on the timer.
  for (int k = 0; k < 10 && r.gets_for("PERP_BTC_USDT") < 2; ++k) {
    r.now += 100'000'000;
    (void)r.feed.on_timer(r.now);
  }
  REQUIRE(r.gets_for("PERP_BTC_USDT") == 2);
  r.delta("PERP_BTC_USDT", 220, 230, R"([["10.04","2"]])");
  r.rest_reply(0, 220, R"([["10.00","1"]])", R"([["10.05","1"]])");
  REQUIRE(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid).front() == Level{1004, 200000});
}

TEST_CASE("v3: a REST failure or refusal is retried after the snapshot timeout",
          "[woo][feed][v3]") {
  Rig r;
  r.rest_reply(0, 100, "[]", "[]", 503);
  CHECK(r.books.counters().errors == 1);
  const WooOptions o = v3_options();
  r.now += o.snapshot_timeout_ns + 1;
  (void)r.feed.on_timer(r.now);
  CHECK(r.gets_for("PERP_BTC_USDT") == 2);
  Frame refused(R"({"success":false,"code":-1003,"message":"too many requests"})");
  r.feed.on_rest_reply(0, 200, refused.data(), refused.len, refused.capacity(), 1, r.now);
  CHECK(r.books.counters().errors == 2);
  CHECK(r.books.status(0) == BookStatus::syncing);
}

TEST_CASE("v3: a book's REST GET waits for its topic's ack", "[woo][feed][v3]") {
  Rig r({"PERP_BTC_USDT", "SPOT_ETH_USDT"}, v3_options(), /*ack=*/false);
  CHECK(r.rest.gets.empty());
  r.frame(
      R"({"id":"s0","cmd":"SUBSCRIBE","success":true,"time":1,"data":["orderbookupdate@SPOT_ETH_USDT@50"]})");
  REQUIRE(r.rest.gets.size() == 1);
  CHECK(r.rest.gets[0].second == 1);
}

TEST_CASE("v3: a topic missing from the SUBSCRIBE ack is a refusal of that book only",
          "[woo][feed][v3]") {
  Rig r({"PERP_BTC_USDT", "SPOT_ETH_USDT"}, v3_options(), /*ack=*/false);
  r.frame(
      R"({"id":"s0","cmd":"SUBSCRIBE","success":true,"time":1,"data":["orderbookupdate@PERP_BTC_USDT@50"]})");
  CHECK(r.books.counters().errors == 1);  // SPOT_ETH_USDT's topic is not in the ack
  CHECK(r.books.last_error().find("orderbookupdate@SPOT_ETH_USDT@50") != std::string_view::npos);
  r.rest_reply(0, 100, R"([["10.00","1"]])", R"([["10.05","1"]])");
  r.rest_reply(1, 100, R"([["20.00","1"]])", R"([["20.05","1"]])");
  r.delta("PERP_BTC_USDT", 100, 110, "[]");  // confirms the held book
  r.delta("SPOT_ETH_USDT", 100, 110, "[]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.status(1) != BookStatus::live);  // never trusted
  // A refused request refuses every topic in it.
  Rig all({"PERP_BTC_USDT", "SPOT_ETH_USDT"}, v3_options(), /*ack=*/false);
  all.frame(
      R"({"id":"s0","cmd":"SUBSCRIBE","success":false,"time":1,"data":"Command type invalid!"})");
  all.rest_reply(0, 100, R"([["10.00","1"]])", R"([["10.05","1"]])");
  CHECK(all.books.status(0) != BookStatus::live);
  CHECK(all.books.last_error() == "s0: Command type invalid!");
}

TEST_CASE("v3: PING every interval, liveness from PONG, no pong for a server PING",
          "[woo][feed][v3]") {
  Rig r;
  const WooOptions o = v3_options();
  const std::size_t before = r.out.sent.size();
  r.now += o.ping_interval_ns;
  (void)r.feed.on_timer(r.now);
  REQUIRE(r.out.sent.size() == before + 1);
  CHECK(r.out.sent.back().rfind(R"({"cmd":"PING","ts":)", 0) == 0);
  r.frame(R"({"cmd":"PONG","success":true,"time":1790137731901})");
  r.frame(R"({"cmd":"PING","ts":1790137731000})");
  CHECK(r.out.count(R"("event":"pong")") == 0);
  CHECK(r.out.count("PONG") == 0);
  // Silent past dead_after (PONG included): reconnect.
  r.now += o.dead_after_ns + 1;
  CHECK(r.feed.on_timer(r.now) == FeedAction::reconnect);
}

TEST_CASE("v3: the planned reconnect before the connection cap rebuilds the books",
          "[woo][feed][v3]") {
  WooOptions o = v3_options();
  o.max_connection_age_ns = 2'000'000'000;
  o.dead_after_ns = 60'000'000'000;
  Rig r({"PERP_BTC_USDT"}, o);
  r.delta("PERP_BTC_USDT", 100, 110, "[]");
  r.rest_reply(0, 100, R"([["10.00","1"]])", R"([["10.05","1"]])");
  REQUIRE(r.books.status(0) == BookStatus::live);
  r.now += 1'000'000'000;
  CHECK(r.feed.on_timer(r.now) == FeedAction::none);
  r.now += 1'000'000'000;
  CHECK(r.feed.on_timer(r.now) == FeedAction::reconnect);
  CHECK(r.feed.planned_reconnects() == 1);
  r.feed.on_disconnected(r.now);
  CHECK(r.books.status(0) == BookStatus::disconnected);
  r.connect();
  CHECK(r.gets_for("PERP_BTC_USDT") == 2);
  r.delta("PERP_BTC_USDT", 300, 310, R"([["10.01","2"]])");
  r.rest_reply(0, 300, R"([["10.00","1"]])", R"([["10.05","1"]])");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid).front() == Level{1001, 200000});
  // The age counts from the new connection.
  r.now += 1'000'000'000;
  CHECK(r.feed.on_timer(r.now) == FeedAction::none);
}

TEST_CASE("v3: a REST book waits for the book's first delta, which shows it is behind",
          "[woo][feed][v3]") {
  Rig r;
  // Quiet so far: the book is held, not applied unconfirmed.
  r.rest_reply(0, 150, R"([["10.00","1"]])", R"([["10.05","1"]])");
  CHECK(r.books.status(0) == BookStatus::syncing);
  CHECK(r.books.counters().snapshots == 0);
  // The first delta chains from 200: the held book (150) is behind.
  r.delta("PERP_BTC_USDT", 200, 210, R"([["10.02","2"]])");
  CHECK(r.books.status(0) != BookStatus::live);
  CHECK(r.books.counters().snapshots == 0);
  for (int k = 0; k < 10 && r.gets_for("PERP_BTC_USDT") < 2; ++k) {
    r.now += 100'000'000;
    (void)r.feed.on_timer(r.now);
  }
  CHECK(r.gets_for("PERP_BTC_USDT") == 2);
  r.rest_reply(0, 210, R"([["10.02","2"]])", R"([["10.05","1"]])");
  CHECK(r.books.status(0) == BookStatus::live);
  // A book that stays quiet gets its REST book unconfirmed after the wait.
  const WooOptions o = v3_options();
  r.rest_reply(1, 500, R"([["20.00","1"]])", R"([["20.05","1"]])");
  CHECK(r.books.status(1) == BookStatus::syncing);
  r.now += o.rest_confirm_wait_ns;
  (void)r.feed.on_timer(r.now);
  CHECK(r.books.status(1) == BookStatus::live);
  r.delta("SPOT_ETH_USDT", 500, 510, R"([["20.01","1"]])");  // its next delta checks it
  CHECK(r.books.status(1) == BookStatus::live);
  CHECK(r.books.counters().gaps == 0);
}

TEST_CASE("v3: a REST book ahead of the socket: older deltas are dropped as stale, not breaks",
          "[woo][feed][v3]") {
  Rig r;
  r.delta("PERP_BTC_USDT", 90, 100, R"([["10.01","1"]])");
  // The REST book already holds 110 and 120, which the socket delivers later.
  r.rest_reply(0, 120, R"([["10.03","1"]])", R"([["10.05","1"]])");
  REQUIRE(r.books.status(0) == BookStatus::live);
  r.delta("PERP_BTC_USDT", 100, 110, R"([["10.02","1"]])");
  r.delta("PERP_BTC_USDT", 110, 120, R"([["10.03","1"]])");
  r.delta("PERP_BTC_USDT", 110, 120, R"([["10.03","1"]])");  // a duplicate: stale too
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.counters().gaps == 0);
  CHECK(r.books.counters().stale_dropped >= 3);
  r.delta("PERP_BTC_USDT", 120, 130, R"([["10.04","1"]])");
  CHECK(r.top(0, Side::bid).front() == Level{1004, 100000});
  r.delta("PERP_BTC_USDT", 135, 140, "[]");  // 130 -> 135 is missing: a break
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.counters().gaps == 1);
}

TEST_CASE("v3: a SUBSCRIBE never answered is logged once and its books are asked for",
          "[woo][feed][v3]") {
  Rig r({"PERP_BTC_USDT"}, v3_options(), /*ack=*/false);
  const WooOptions o = v3_options();
  r.now += o.snapshot_timeout_ns / 2;
  (void)r.feed.on_timer(r.now);
  CHECK(r.rest.gets.empty());
  r.now += o.snapshot_timeout_ns;
  (void)r.feed.on_timer(r.now);
  CHECK(r.books.counters().errors == 1);
  CHECK(r.books.last_error().find("no answer") != std::string_view::npos);
  REQUIRE(r.rest.gets.size() == 1);
  r.now += 1'000'000;
  (void)r.feed.on_timer(r.now);
  CHECK(r.books.counters().errors == 1);  // once
}
