#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>

#include "feeds/woo/woo_feed.hpp"
#include "woo_test_util.hpp"

using namespace wirebook::feeds;
using namespace wirebook::feeds::woo;
using wirebook::book::Level;
using wirebook::book::Side;
using woo_test::Frame;
using woo_test::RecordingOutbox;

namespace {

// A v2 feed (no REST): deltas and snapshot replies in.
struct Rig : woo_test::FeedRig {
  explicit Rig(std::vector<std::string> syms = {"SPOT_BTC_USDT", "SPOT_ETH_USDT"})
      : FeedRig(std::move(syms), -4, WooOptions{}, /*with_rest=*/false) {
    feed.on_connected(now);
  }
  static std::vector<InstrumentSpec> specs(std::vector<std::string> syms) {
    return FeedRig::specs(std::move(syms), -4);
  }
  void delta(const std::string& sym, long prev, long ts, const std::string& bids,
             const std::string& asks = "[]") {
    char buf[1024];
    std::snprintf(
        buf, sizeof buf,
        R"({"topic":"%s@orderbookupdate","ts":%ld,"data":{"symbol":"%s","prevTs":%ld,"asks":%s,"bids":%s}})",
        sym.c_str(), ts, sym.c_str(), prev, asks.c_str(), bids.c_str());
    frame(buf);
  }
  void reply(const std::string& sym, long ts, const std::string& bids, const std::string& asks) {
    char buf[1024];
    std::snprintf(
        buf, sizeof buf,
        R"({"id":"r0","event":"request","success":true,"ts":%ld,"data":{"symbol":"%s","ts":%ld,"asks":%s,"bids":%s}})",
        ts + 7, sym.c_str(), ts, asks.c_str(), bids.c_str());
    frame(buf);
  }
};

}  // namespace

TEST_CASE("connecting subscribes each symbol and requests its book", "[woo][feed]") {
  Rig r;
  CHECK(r.out.count(R"("topic":"SPOT_BTC_USDT@orderbookupdate","event":"subscribe")") == 1);
  CHECK(r.out.count(
            R"("event":"request","params":{"type":"orderbook","symbol":"SPOT_ETH_USDT"})") == 1);
  CHECK(r.books.status(0) == BookStatus::syncing);
}

TEST_CASE("deltas buffered before the reply are aligned on data.ts", "[woo][feed]") {
  Rig r;
  r.delta("SPOT_BTC_USDT", 90, 100, "[[10.01,1]]");   // older than the snapshot: dropped
  r.delta("SPOT_BTC_USDT", 100, 110, "[[10.02,2]]");  // prevTs == data.ts: applied
  r.delta("SPOT_BTC_USDT", 110, 120, "[[10.01,0]]");  // chained: applied
  CHECK(r.books.status(0) == BookStatus::syncing);
  r.reply("SPOT_BTC_USDT", 100, "[[10.01,1],[10.00,3]]", "[[10.05,4]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{1002, 20000}, {1000, 30000}});
  CHECK(r.top(0, Side::ask) == std::vector<Level>{{1005, 40000}});
  r.delta("SPOT_BTC_USDT", 120, 130, "[]", "[[10.04,1.5]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::ask).front() == Level{1004, 15000});
  CHECK(r.books.counters().gaps == 0);
  CHECK(r.books.status(1) == BookStatus::syncing);  // ETH untouched
}

TEST_CASE("a delta whose prevTs skips one update triggers a resync of that symbol only",
          "[woo][feed]") {
  Rig r;
  r.reply("SPOT_BTC_USDT", 100, "[[10.00,1]]", "[[10.05,1]]");
  r.reply("SPOT_ETH_USDT", 500, "[[20.00,1]]", "[[20.05,1]]");
  REQUIRE(r.books.status(0) == BookStatus::live);
  REQUIRE(r.books.status(1) == BookStatus::live);
  const auto requests_before = r.out.count(R"("event":"request")");
  r.delta("SPOT_BTC_USDT", 105, 110, "[[10.01,1]]");  // 100 -> 105 is missing
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.status(1) == BookStatus::live);
  CHECK(r.books.counters().gaps == 1);
  CHECK(r.out.count(R"("event":"request")") == requests_before + 1);
  r.delta("SPOT_ETH_USDT", 500, 510, "[[20.01,1]]");
  CHECK(r.books.status(1) == BookStatus::live);
  r.reply("SPOT_BTC_USDT", 110, "[[10.01,1],[10.00,1]]", "[[10.05,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  r.delta("SPOT_BTC_USDT", 110, 115, "[[10.02,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.counters().gaps == 1);
}

TEST_CASE("duplicated and reordered deltas are breaks", "[woo][feed]") {
  Rig r({"SPOT_BTC_USDT"});
  r.reply("SPOT_BTC_USDT", 100, "[[10.00,1]]", "[[10.05,1]]");
  r.delta("SPOT_BTC_USDT", 100, 110, "[[10.01,1]]");
  r.delta("SPOT_BTC_USDT", 100, 110, "[[10.01,1]]");  // duplicate
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.counters().gaps == 1);
  r.reply("SPOT_BTC_USDT", 110, "[[10.01,1],[10.00,1]]", "[[10.05,1]]");
  REQUIRE(r.books.status(0) == BookStatus::live);
  r.delta("SPOT_BTC_USDT", 120, 130, "[]");  // 110 -> 120 arrives late
  CHECK(r.books.status(0) == BookStatus::resyncing);
  r.delta("SPOT_BTC_USDT", 110, 120, "[]");  // buffered while resyncing
  CHECK(r.books.counters().gaps == 2);
  r.reply("SPOT_BTC_USDT", 130, "[[10.01,1]]", "[[10.05,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("a reply behind the buffered chain is requested again", "[woo][feed]") {
  Rig r({"SPOT_BTC_USDT"});
  r.delta("SPOT_BTC_USDT", 200, 210, "[[10.01,1]]");
  const auto before = r.out.count(R"("event":"request")");
  r.reply("SPOT_BTC_USDT", 100, "[[10.00,1]]", "[[10.05,1]]");  // 100 < 200: cannot align
  CHECK(r.books.status(0) == BookStatus::syncing);
  r.now += 1'000'000'000;
  (void)r.feed.on_timer(r.now);
  CHECK(r.out.count(R"("event":"request")") == before + 1);
  r.reply("SPOT_BTC_USDT", 200, "[[10.00,1]]", "[[10.05,1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid).front() == Level{1001, 10000});
}

TEST_CASE("a corrupt delta resyncs its symbol at once when the topic is readable", "[woo][feed]") {
  Rig r;
  r.reply("SPOT_BTC_USDT", 100, "[[10.00,1]]", "[[10.05,1]]");
  r.reply("SPOT_ETH_USDT", 100, "[[10.00,1]]", "[[10.05,1]]");
  r.frame(
      R"({"topic":"SPOT_BTC_USDT@orderbookupdate","ts":110,"data":{"symbol":"SPOT_BTC_USDT","prevTs":100,"asks":[[10.0)");
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.status(1) == BookStatus::live);
  CHECK(r.books.counters().malformed == 1);
  r.frame("{not json");
  CHECK(r.books.counters().malformed == 2);
  CHECK(r.books.status(1) == BookStatus::live);
}

TEST_CASE("more decimals than the exponent widen it and rescale the book exactly", "[woo][feed]") {
  Rig r({"SPOT_BTC_USDT"});
  r.reply("SPOT_BTC_USDT", 100, "[[10.5,1]]", "[[10.75,2]]");
  REQUIRE(r.books.px_exp(0) == -2);
  r.delta("SPOT_BTC_USDT", 100, 110, "[[10.125,3]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.px_exp(0) == -3);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{10500, 10000}, {10125, 30000}});
  CHECK(r.top(0, Side::ask) == std::vector<Level>{{10750, 20000}});
  CHECK(r.books.counters().widenings == 1);
}

TEST_CASE("a level that overflows int64 resyncs instead of rounding", "[woo][feed]") {
  Rig r({"SPOT_BTC_USDT"});
  r.reply("SPOT_BTC_USDT", 100, "[[10.5,1]]", "[[10.75,2]]");
  r.delta("SPOT_BTC_USDT", 100, 110, "[[1e30,1]]");
  CHECK(r.books.status(0) == BookStatus::resyncing);
}

TEST_CASE("server pings are answered, our pings are sent, silence reconnects", "[woo][feed]") {
  Rig r({"SPOT_BTC_USDT"});
  r.frame(R"({"event":"ping","ts":1790132430000})");
  CHECK(r.out.count(R"({"event":"pong"})") == 1);
  r.now += 10'000'000'001;
  CHECK(r.feed.on_timer(r.now) == FeedAction::none);
  CHECK(r.out.count(R"({"event":"ping"})") == 1);
  r.now += 31'000'000'000;
  CHECK(r.feed.on_timer(r.now) == FeedAction::reconnect);
}

TEST_CASE("a refused subscription leaves the symbol untrusted and counted", "[woo][feed]") {
  Rig r({"SPOT_BTC_USDT", "SPOT_NOPE_USDT"});
  r.frame(
      R"({"id":"s1","event":"subscribe","success":false,"ts":1,"errorMsg":"invalid symbol SPOT_NOPE_USDT"})");
  CHECK(r.books.counters().errors == 1);
  r.reply("SPOT_BTC_USDT", 100, "[[10.5,1]]", "[[10.75,2]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.books.status(1) == BookStatus::syncing);
}

TEST_CASE("a disconnect marks every book DISCONNECTED until fresh snapshots", "[woo][feed]") {
  Rig r;
  r.reply("SPOT_BTC_USDT", 100, "[[10.5,1]]", "[[10.75,2]]");
  r.feed.on_disconnected(r.now);
  CHECK(r.books.status(0) == BookStatus::disconnected);
  CHECK(r.books.status(1) == BookStatus::disconnected);
  r.feed.on_connected(r.now);
  CHECK(r.books.status(0) == BookStatus::syncing);
  r.reply("SPOT_BTC_USDT", 300, "[[10.5,1]]", "[[10.75,2]]");
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("VenueBooks::find resolves every symbol exactly, whatever its length", "[feeds][books]") {
  // Lengths 1..40, symbols that share their first and last 8 bytes and differ
  // only in the middle, and near misses that must not match.
  std::vector<std::string> syms;
  for (std::size_t len = 1; len <= 40; ++len) {
    std::string s(len, 'A');
    for (std::size_t k = 0; k < len; ++k) s[k] = static_cast<char>('A' + (k * 7 + len) % 26);
    syms.push_back(s);
  }
  syms.push_back("PERP_BTC_USDT_MIDDLE_AAAA_PERP_BTC");
  syms.push_back("PERP_BTC_USDT_MIDDLE_BBBB_PERP_BTC");
  syms.push_back("SPOT_BTC_USDT");
  syms.push_back("SPOT_BTC_USDT");  // duplicate: the first index wins
  VenueBooks books(Rig::specs(syms), 10, 4, nullptr);
  for (std::size_t i = 0; i + 1 < syms.size(); ++i) {
    INFO("symbol " << syms[i]);
    CHECK(books.find(syms[i]) == static_cast<int>(i));
  }
  CHECK(books.find("SPOT_BTC_USDT") == static_cast<int>(syms.size() - 2));
  CHECK(books.find("") == -1);
  CHECK(books.find("PERP_BTC_USDT_MIDDLE_CCCC_PERP_BTC") == -1);
  CHECK(books.find("SPOT_BTC_USDX") == -1);
  CHECK(books.find("XPOT_BTC_USDT") == -1);
  CHECK(books.find(std::string_view("SPOT_BTC_USDT\0", 14)) == -1);
  for (const auto& s : syms) {
    std::string longer = s + "X";
    if (std::find(syms.begin(), syms.end(), longer) == syms.end()) CHECK(books.find(longer) == -1);
  }
}
