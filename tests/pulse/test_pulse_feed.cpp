#include <catch2/catch.hpp>

#include <cstdio>
#include <limits>

#include "feeds/pulse/pulse_feed.hpp"
#include "pulse_test_util.hpp"

using namespace wirebook::feeds;
using namespace wirebook::feeds::pulse;
using wirebook::book::Level;
using wirebook::book::Side;

namespace {

struct Rig {
  explicit Rig(std::vector<std::string> syms = {"BTC-PERPETUAL", "ETH-PERPETUAL"})
      : books(specs(std::move(syms)), 1000, 16, nullptr), feed(books, out, PulseOptions{}) {
    feed.on_connected(now);
  }
  static std::vector<InstrumentSpec> specs(std::vector<std::string> syms) {
    std::vector<InstrumentSpec> v;
    for (auto& s : syms) v.push_back({s, -1, 0});
    return v;
  }
  void frame(const std::string& text) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(text, len, cap);
    now += 1'000'000;
    (void)feed.on_frame(d, len, cap, 1'700'000'000'000'000'000 + now, now);
  }
  void book(const std::string& sym, const char* type, long change, long prev,
            const std::string& bids, const std::string& asks = "[]") {
    char buf[2048];
    const std::string prev_field = prev < 0 ? "" : ",\"prev_change_id\":" + std::to_string(prev);
    std::snprintf(
        buf, sizeof buf,
        R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.%s.raw","data":{"timestamp":1700000000000,"type":"%s","change_id":%ld,"instrument_name":"%s","bids":%s,"asks":%s%s}}})",
        sym.c_str(), type, change, sym.c_str(), bids.c_str(), asks.c_str(), prev_field.c_str());
    frame(buf);
  }
  std::vector<Level> top(std::uint32_t i, Side s) const {
    return wirebook::feed_test::top_levels(books, i, s);
  }
  std::int64_t now = 1'000'000'000;
  pulse_test::Frames frames;
  pulse_test::RecordingOutbox out;
  VenueBooks books;
  PulseFeed feed;
};

}  // namespace

TEST_CASE("connecting sets the heartbeat and subscribes every book channel", "[pulse][feed]") {
  Rig r;
  CHECK(r.out.count(R"("method":"public/set_heartbeat","params":{"interval":10})") == 1);
  CHECK(r.out.count(
            R"("method":"public/subscribe","params":{"channels":["book.BTC-PERPETUAL.raw"]})") ==
        1);
  CHECK(r.out.count(R"("book.ETH-PERPETUAL.raw")") == 1);
  CHECK(r.books.status(0) == BookStatus::syncing);
}

TEST_CASE("a snapshot then chained changes keep the book LIVE, whatever the id steps",
          "[pulse][feed]") {
  Rig r;
  r.book("BTC-PERPETUAL", "snapshot", 1000, 0, R"([["new",100.5,10],["new",100.0,5]])",
         R"([["new",101.0,7]])");
  CHECK(r.books.status(0) == BookStatus::live);
  r.book("BTC-PERPETUAL", "change", 1057, 1000, R"([["delete",100.0,0.0],["change",100.5,12]])");
  r.book("BTC-PERPETUAL", "change", 2000, 1057, "[]", R"([["new",100.8,2.5e1]])");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{1005, 12}});
  CHECK(r.top(0, Side::ask) == std::vector<Level>{{1008, 25}, {1010, 7}});
  CHECK(r.books.counters().gaps == 0);
}

TEST_CASE("a broken change_id chain resubscribes only that instrument", "[pulse][feed]") {
  Rig r;
  r.book("BTC-PERPETUAL", "snapshot", 1000, -1, R"([["new",100.5,10]])", R"([["new",101.0,7]])");
  r.book("ETH-PERPETUAL", "snapshot", 1001, -1, R"([["new",20.5,10]])", R"([["new",21.0,7]])");
  r.book("BTC-PERPETUAL", "change", 1100, 1050, R"([["new",100.6,1]])");  // 1000 -> 1050 missing
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.status(1) == BookStatus::live);
  CHECK(r.books.counters().gaps == 1);
  CHECK(r.out.count(
            R"("method":"public/unsubscribe","params":{"channels":["book.BTC-PERPETUAL.raw"]})") ==
        1);
  CHECK(r.out.count(
            R"("method":"public/subscribe","params":{"channels":["book.BTC-PERPETUAL.raw"]})") ==
        2);
  // Changes before the new snapshot are ignored; the new snapshot rebuilds cleanly.
  r.book("BTC-PERPETUAL", "change", 1200, 1100, R"([["new",99.0,1]])");
  CHECK(r.books.status(0) == BookStatus::resyncing);
  r.book("BTC-PERPETUAL", "snapshot", 1300, 0, R"([["new",100.1,3]])", R"([["new",101.0,7]])");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{1001, 3}});  // no stale level kept
  CHECK(r.books.counters().gaps == 1);
}

TEST_CASE("a duplicated change and a change without prev_change_id are breaks", "[pulse][feed]") {
  Rig r({"BTC-PERPETUAL"});
  r.book("BTC-PERPETUAL", "snapshot", 10, -1, R"([["new",100.5,10]])", "[]");
  r.book("BTC-PERPETUAL", "change", 20, 10, R"([["new",100.6,1]])");
  r.book("BTC-PERPETUAL", "change", 20, 10, R"([["new",100.6,1]])");
  CHECK(r.books.status(0) == BookStatus::resyncing);
  r.book("BTC-PERPETUAL", "snapshot", 30, -1, R"([["new",100.5,10]])", "[]");
  r.book("BTC-PERPETUAL", "change", 40, -1, R"([["new",100.6,1]])");
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.counters().gaps == 2);
}

TEST_CASE("test_request is answered with public/test", "[pulse][feed]") {
  Rig r;
  r.frame(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
  CHECK(r.out.count(R"("method":"public/test")") == 1);
  r.now += 31'000'000'000;
  CHECK(r.feed.on_timer(r.now) == FeedAction::reconnect);
}

TEST_CASE("a channel missing from the subscribe result is flagged", "[pulse][feed]") {
  Rig r;
  r.frame(R"({"jsonrpc":"2.0","id":100001,"result":[]})");
  CHECK(r.books.counters().errors == 1);
  r.frame(R"({"jsonrpc":"2.0","id":100000,"result":["book.BTC-PERPETUAL.raw"]})");
  CHECK(r.books.counters().errors == 1);
  r.frame(
      R"({"jsonrpc":"2.0","id":5,"error":{"code":13778,"message":"raw_subscriptions_not_available_for_unauthorized"}})");
  CHECK(r.books.counters().errors == 2);
}

TEST_CASE("a corrupt book frame resyncs its instrument at once", "[pulse][feed]") {
  Rig r;
  r.book("BTC-PERPETUAL", "snapshot", 10, -1, R"([["new",100.5,10]])", "[]");
  r.book("ETH-PERPETUAL", "snapshot", 11, -1, R"([["new",10.5,10]])", "[]");
  r.frame(
      R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-PERPETUAL.raw","data":{"type":"change","change_id":}})");
  CHECK(r.books.status(0) == BookStatus::resyncing);
  CHECK(r.books.status(1) == BookStatus::live);
  CHECK(r.books.counters().malformed == 1);
}

TEST_CASE("with credentials the session logs in first and subscribes once accepted",
          "[pulse][feed][auth]") {
  pulse_test::RecordingOutbox out;
  VenueBooks books({{"BTC-PERPETUAL", -1, 0}}, 100, 16, nullptr);
  PulseOptions o;
  o.auth = AuthMethod::client_signature;
  o.client_id = "id1";
  o.client_secret = "s3cret-value";
  PulseFeed feed(books, out, o);
  pulse_test::Frames frames;
  std::int64_t mono = 2;
  auto frame = [&](const std::string& t) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(t, len, cap);
    (void)feed.on_frame(d, len, cap, 1, mono);
  };
  feed.on_connected(1);
  CHECK(out.count(R"("method":"public/auth")") == 1);
  CHECK(out.count(R"("grant_type":"client_signature","client_id":"id1")") == 1);
  CHECK(out.count("s3cret-value") == 0);  // a signature never carries the secret
  CHECK(out.count("public/subscribe") == 0);
  frame(R"({"jsonrpc":"2.0","id":3,"error":{"code":13004,"message":"invalid_credentials"}})");
  CHECK(out.count("public/subscribe") == 0);
  CHECK(books.counters().errors == 1);
  CHECK(feed.on_timer(31'000'000'000) == FeedAction::reconnect);  // silent venue: reconnect
  feed.on_connected(40'000'000'000);
  mono = 40'000'000'001;
  frame(
      R"({"jsonrpc":"2.0","id":3,"result":{"access_token":"tok","expires_in":100,"refresh_token":"r1","token_type":"bearer"}})");
  CHECK(out.count("public/subscribe") == 1);
  // Refresh at 80 % of the lifetime, with the refresh token.
  mono = 40'000'000'000 + 80'000'000'000LL;
  frame(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}})");
  CHECK(feed.on_timer(40'000'000'000 + 81'000'000'000LL) == FeedAction::none);
  CHECK(out.count(R"("grant_type":"refresh_token","refresh_token":"r1")") == 1);
}

// ---- the Pulse document's ways (issue 18) -----------------------------------

TEST_CASE("a refused public/unsubscribe resyncs by unsubscribe_all and every channel, from then on",
          "[pulse][feed][documented]") {
  for (const int code : {-32601, 3}) {  // JSON-RPC's Method not found, a CommonCodes value
    INFO("code " << code);
    Rig r;
    r.book("BTC-PERPETUAL", "snapshot", 1000, -1, R"([["new",100.5,10]])", R"([["new",101.0,7]])");
    r.book("ETH-PERPETUAL", "snapshot", 1001, -1, R"([["new",20.5,10]])", R"([["new",21.0,7]])");
    r.book("BTC-PERPETUAL", "change", 1100, 1050, R"([["new",100.6,1]])");  // a break
    CHECK(r.out.count(R"("id":200000,"method":"public/unsubscribe")") == 1);
    CHECK_FALSE(r.feed.unsubscribe_refused());
    // The venue refuses the method; the subscribe sent with it is acked
    // without a snapshot (the channel was still active).
    r.frame(R"({"jsonrpc":"2.0","id":200000,"error":{"code":)" + std::to_string(code) +
            R"(,"message":"Method not found"}})");
    r.frame(R"({"jsonrpc":"2.0","id":100000,"result":"ok"})");
    CHECK(r.feed.unsubscribe_refused());
    CHECK(r.books.counters().errors == 1);
    CHECK(std::string(r.books.last_error()).find(std::to_string(code) + " Method not found") !=
          std::string::npos);
    CHECK(r.out.count(R"("method":"public/unsubscribe_all","params":{}})") == 1);
    CHECK(r.out.count(R"("channels":["book.BTC-PERPETUAL.raw"])") == 4);  // sub, unsub, sub, sub
    CHECK(r.out.count(R"("method":"public/subscribe","params":{"channels":["book.ETH-PERPETUAL)") ==
          2);
    // Fresh snapshots for both: BTC LIVE again, ETH (never broken) rebuilt.
    r.book("BTC-PERPETUAL", "snapshot", 1200, -1, R"([["new",100.1,3]])", R"([["new",101.0,7]])");
    r.book("ETH-PERPETUAL", "snapshot", 1201, -1, R"([["new",20.4,1]])", R"([["new",21.0,7]])");
    CHECK(r.books.status(0) == BookStatus::live);
    CHECK(r.books.status(1) == BookStatus::live);
    CHECK(r.top(1, Side::bid) == std::vector<Level>{{204, 1}});
    // The next break goes the supported way directly, with no new error.
    const std::size_t sent = r.out.sent.size();
    r.book("ETH-PERPETUAL", "change", 1300, 1250, R"([["new",20.6,1]])");
    CHECK(r.books.status(1) == BookStatus::resyncing);
    CHECK(r.out.count("public/unsubscribe\"") == 1);  // only the first, refused one
    CHECK(r.out.count("public/unsubscribe_all") == 2);
    CHECK(r.out.sent.size() == sent + 3);  // unsubscribe_all + 2 subscribes
    // A second break while that resubscription is on its way adds nothing.
    r.book("BTC-PERPETUAL", "change", 1400, 1350, R"([["new",100.6,1]])");
    CHECK(r.books.status(0) == BookStatus::resyncing);
    CHECK(r.out.sent.size() == sent + 3);
    r.book("BTC-PERPETUAL", "snapshot", 1500, -1, R"([["new",100.2,3]])", "[]");
    r.book("ETH-PERPETUAL", "snapshot", 1501, -1, R"([["new",20.2,3]])", "[]");
    CHECK(r.books.status(0) == BookStatus::live);
    CHECK(r.books.status(1) == BookStatus::live);
    CHECK(r.books.counters().gaps == 3);
    CHECK(r.books.counters().errors == 1);
  }
}

TEST_CASE("an unsubscribe refused for another reason resyncs everything once, not for good",
          "[pulse][feed][documented]") {
  Rig r;
  r.book("BTC-PERPETUAL", "snapshot", 1000, -1, R"([["new",100.5,10]])", "[]");
  r.book("BTC-PERPETUAL", "change", 1100, 1050, R"([["new",100.6,1]])");
  r.frame(R"({"jsonrpc":"2.0","id":200000,"error":{"code":10028,"message":"too_many_requests"}})");
  CHECK_FALSE(r.feed.unsubscribe_refused());
  CHECK(r.out.count("public/unsubscribe_all") == 1);
  r.book("BTC-PERPETUAL", "snapshot", 1200, -1, R"([["new",100.5,10]])", "[]");
  r.book("BTC-PERPETUAL", "change", 1300, 1250, R"([["new",100.6,1]])");
  CHECK(r.out.count(R"("id":200000,"method":"public/unsubscribe")") == 2);
}

TEST_CASE("test_request: public/test while the venue accepts it, public/set_heartbeat once refused",
          "[pulse][feed][documented]") {
  SECTION("a venue with public/test (Deribit)") {
    Rig r;
    r.frame(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
    CHECK(r.feed.heartbeat_answer() == HeartbeatAnswer::unknown);
    r.frame(R"({"jsonrpc":"2.0","id":2,"result":{"version":"1.2.26"}})");
    CHECK(r.feed.heartbeat_answer() == HeartbeatAnswer::test);
    r.frame(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
    CHECK(r.out.count(R"("method":"public/test")") == 2);
    CHECK(r.out.count(R"("method":"public/set_heartbeat")") == 1);  // on connect only
    CHECK(r.books.counters().errors == 0);
  }
  SECTION("a venue as documented, refusing public/test with a CommonCodes error") {
    Rig r;
    r.frame(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
    r.frame(R"({"jsonrpc":"2.0","id":2,"error":{"code":4,"message":"unknown method"}})");
    CHECK(r.feed.heartbeat_answer() == HeartbeatAnswer::set_heartbeat);
    CHECK(r.books.counters().errors == 1);
    CHECK(std::string(r.books.last_error()).find("public/test") != std::string::npos);
    // The refused answer is replaced at once, re-arming the heartbeat.
    CHECK(r.out.count(R"("id":5,"method":"public/set_heartbeat","params":{"interval":10})") == 1);
    r.frame(R"({"jsonrpc":"2.0","id":5,"description":"ok","response":null,"status":200})");
    r.frame(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
    r.frame(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
    CHECK(r.out.count(R"("method":"public/test")") == 1);
    CHECK(r.out.count(R"("id":5,"method":"public/set_heartbeat")") == 3);
    CHECK(r.books.counters().errors == 1);  // learned and logged once
    CHECK(r.books.counters().unexpected == 0);
    // Kept across a reconnect: the same venue.
    r.feed.on_disconnected(r.now);
    r.feed.on_connected(r.now);
    r.frame(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
    CHECK(r.out.count(R"("method":"public/test")") == 1);
    CHECK(r.out.count(R"("id":5,"method":"public/set_heartbeat")") == 4);
  }
}

TEST_CASE("a string subscribe result grants the channel; a list must name it",
          "[pulse][feed][documented]") {
  Rig r;
  r.frame(R"({"jsonrpc":"2.0","id":100000,"result":"string"})");
  r.frame(R"({"jsonrpc":"2.0","id":100001,"result":"ok"})");
  CHECK(r.books.counters().errors == 0);
  r.book("BTC-PERPETUAL", "snapshot", 1000, -1, R"([["new",100.5,10]])", "[]");
  CHECK(r.books.status(0) == BookStatus::live);
  r.frame(R"({"jsonrpc":"2.0","id":100001,"result":["book.BTC-PERPETUAL.raw"]})");
  CHECK(r.books.counters().errors == 1);
}

TEST_CASE("any error reply is counted and kept with its code and message",
          "[pulse][feed][documented]") {
  Rig r;
  r.frame(R"({"jsonrpc":"2.0","id":100000,"error":{"code":13,"message":"not allowed"}})");
  CHECK(r.books.counters().errors == 1);
  CHECK(std::string(r.books.last_error()) == "request: 13 not allowed");
  r.frame(R"({"jsonrpc":"2.0","id":1,"description":"bad interval","response":null,"status":2})");
  CHECK(r.books.counters().errors == 2);
  CHECK(std::string(r.books.last_error()) == "request: 2 bad interval");
  r.frame(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params"}})");
  CHECK(r.books.counters().errors == 3);
  CHECK(std::string(r.books.last_error()) == "request: -32602 Invalid params");
}

TEST_CASE("expires_in: seconds from now below 10^9, an epoch in seconds, then in milliseconds",
          "[pulse][feed][documented]") {
  constexpr std::int64_t kNow = 1'700'000'000'000'000'000;  // 2023-11-14 in ns
  CHECK(token_lifetime_ns(900, kNow) == 900'000'000'000);
  CHECK(token_lifetime_ns(999'999'999, kNow) == 999'999'999'000'000'000);
  CHECK(token_lifetime_ns(1'700'000'900, kNow) == 900'000'000'000);      // epoch s
  CHECK(token_lifetime_ns(1'700'000'900'000, kNow) == 900'000'000'000);  // epoch ms
  CHECK(token_lifetime_ns(1'516'239'022, kNow) < 0);                     // the document's: past
  CHECK(token_lifetime_ns(0, kNow) == 0);
  CHECK(token_lifetime_ns(-5, kNow) == 0);
  CHECK(token_lifetime_ns(std::numeric_limits<std::int64_t>::max(), kNow) > 0);  // no overflow
  CHECK(token_lifetime_ns(999'999'999'999, kNow) > 0);
}

TEST_CASE("the token is refreshed before it expires whichever form expires_in takes",
          "[pulse][feed][documented][auth]") {
  constexpr std::int64_t kRealtime = 1'700'000'000'000'000'000;
  struct Case {
    std::int64_t expires_in;
    std::int64_t refresh_after_ns;
  };
  for (const Case c :
       {Case{100, 80'000'000'000}, Case{1'700'000'100, 80'000'000'000},
        Case{1'700'000'100'000, 80'000'000'000}, Case{1'516'239'022, PulseFeed::kMinRefreshNs}}) {
    INFO("expires_in " << c.expires_in);
    pulse_test::RecordingOutbox out;
    VenueBooks books({{"BTC-PERPETUAL", -1, 0}}, 100, 16, nullptr);
    PulseOptions o;
    o.auth = AuthMethod::client_credentials;
    o.client_id = "id1";
    o.client_secret = "s";
    PulseFeed feed(books, out, o);
    pulse_test::Frames frames;
    const std::int64_t mono = 5'000'000'000;
    feed.on_connected(mono);
    const std::string reply =
        R"({"jsonrpc":"2.0","id":3,"result":{"access_token":"tok","expires_in":)" +
        std::to_string(c.expires_in) + R"(,"refresh_token":"r1","token_type":"bearer"}})";
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(reply, len, cap);
    (void)feed.on_frame(d, len, cap, kRealtime, mono);
    CHECK(feed.refresh_at_ns() == mono + c.refresh_after_ns);
    // The venue stays heard from (a silent one would be reconnected first).
    d = frames.add(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}})", len,
                   cap);
    (void)feed.on_frame(d, len, cap, kRealtime, mono + c.refresh_after_ns - 2);
    CHECK(out.count("refresh_token\"") == 0);
    CHECK(feed.on_timer(mono + c.refresh_after_ns - 1) == FeedAction::none);
    CHECK(out.count(R"("grant_type":"refresh_token","refresh_token":"r1")") == 0);
    CHECK(feed.on_timer(mono + c.refresh_after_ns) == FeedAction::none);
    CHECK(out.count(R"("grant_type":"refresh_token","refresh_token":"r1")") == 1);
  }
}

TEST_CASE("[price, amount] levels build the book like [action, price, amount] ones",
          "[pulse][feed][documented]") {
  Rig r({"BTC-PERPETUAL"});
  r.book("BTC-PERPETUAL", "snapshot", 10, 0, "[[100.5,10],[100.0,5]]", "[[101.0,7]]");
  CHECK(r.books.status(0) == BookStatus::live);
  r.book("BTC-PERPETUAL", "change", 20, 10, "[[100.0,0],[100.5,12]]", "[[100.8,2.5e1]]");
  CHECK(r.books.status(0) == BookStatus::live);
  CHECK(r.top(0, Side::bid) == std::vector<Level>{{1005, 12}});
  CHECK(r.top(0, Side::ask) == std::vector<Level>{{1008, 25}, {1010, 7}});
  CHECK(r.books.counters().gaps == 0);
}

TEST_CASE(
    "the resubscription after a refused unsubscribe includes quotes and is retried on timeout",
    "[pulse][feed][documented]") {
  pulse_test::RecordingOutbox out;
  VenueBooks books({{"BTC-PERPETUAL", -1, 0}, {"ETH-PERPETUAL", -1, 0}}, 100, 16, nullptr);
  PulseOptions o;
  o.quotes = true;
  PulseFeed feed(books, out, o);
  pulse_test::Frames frames;
  std::int64_t now = 1'000'000'000;
  auto frame = [&](const std::string& t) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(t, len, cap);
    now += 1'000'000;
    (void)feed.on_frame(d, len, cap, now, now);
  };
  auto book = [&](const char* sym, const char* type, long change, long prev) {
    frame(std::string(R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.)") +
          sym + R"(.raw","data":{"type":")" + type + R"(","change_id":)" + std::to_string(change) +
          (prev < 0 ? std::string() : R"(,"prev_change_id":)" + std::to_string(prev)) +
          R"(,"bids":[[100.5,1]],"asks":[[101.5,1]]}}})");
  };
  feed.on_connected(now);
  CHECK(out.count(R"("channels":["quote.ETH-PERPETUAL"])") == 1);
  book("BTC-PERPETUAL", "snapshot", 10, -1);
  book("ETH-PERPETUAL", "snapshot", 11, -1);
  book("BTC-PERPETUAL", "change", 30, 20);  // a break
  frame(R"({"jsonrpc":"2.0","id":200000,"error":{"code":4,"message":"unknown method"}})");
  CHECK(out.count("public/unsubscribe_all") == 1);
  CHECK(out.count(R"("channels":["quote.ETH-PERPETUAL"])") == 2);  // quotes went with it
  CHECK(out.count(R"("channels":["quote.BTC-PERPETUAL"])") == 2);
  // ETH's snapshot comes, BTC's never does: after the snapshot timeout the
  // resubscription is sent again.
  book("ETH-PERPETUAL", "snapshot", 40, -1);
  (void)feed.on_timer(now + 5'000'000'000);
  CHECK(out.count("public/unsubscribe_all") == 1);
  book("ETH-PERPETUAL", "change", 41, 40);
  (void)feed.on_timer(now + 10'100'000'000);
  CHECK(out.count("public/unsubscribe_all") == 2);
  CHECK(books.status(0) == BookStatus::resyncing);
  CHECK(books.status(1) == BookStatus::live);
  book("BTC-PERPETUAL", "snapshot", 50, -1);
  CHECK(books.status(0) == BookStatus::live);
  CHECK(books.counters().gaps == 1);
}
