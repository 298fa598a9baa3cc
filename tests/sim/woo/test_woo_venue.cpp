// The simulator's WOO X v2 module (PROTOCOLS.md §1): an independent client
// rebuilds the true books, the control plane answers as the venue does, and
// every delta fault is seen by a client that follows the prevTs chain.
#include <catch2/catch.hpp>

#include "ref_book.hpp"
#include "sim_thread.hpp"
#include "tools/sim/woo/woo_venue.hpp"
#include "woo/woo_client.hpp"

using namespace wirebook;
using namespace wirebook::simtest;

TEST_CASE(
    "a WOO client that aligns request snapshots on data.ts rebuilds the true books over ws://",
    "[sim][woo]") {
  const std::uint64_t seed = GENERATE(11U, 12U);
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"woo"});
  cfg.venue.frames = 4000;
  const auto syms = symbol_names("woo");
  cfg.venue.wait_subscriptions = syms.size() * 3;  // @orderbookupdate, @bbo, @trade per symbol
  SimThread st(cfg);
  ClientOptions o;
  o.url = st.sim().url("woo", false);
  o.symbols = syms;
  const ClientResult r = run_woo_client(o);
  st.join();
  REQUIRE(r.connect_error.empty());
  INFO("end: " << r.end);
  CHECK(r.close_code == 1000);
  CHECK(r.c.deltas == 4000);
  CHECK(r.c.gaps == 0);
  CHECK(r.c.bad_json == 0);
  CHECK(r.c.bad_types == 0);
  CHECK(r.c.snapshots == syms.size());
  CHECK(r.c.quotes > 0);
  CHECK(r.c.trades > 0);
  CHECK(r.c.quote_mismatch == 0);
  CHECK(compare_books(r.books, st.sim().truth(), "woo").empty());
}

TEST_CASE("WOO acks subscribe and unsubscribe, refuses unknown symbols, answers pings",
          "[sim][woo]") {
  auto cfg = test_config(101, {"woo"});
  cfg.venue.rate = 50;
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("woo", false), "").empty());
  c.send(R"({"id":"clientID2","topic":"SPOT_BTC_USDT@orderbookupdate","event":"subscribe"})");
  const std::string ack = await(c, "clientID2");
  CHECK(ack.find(R"("event":"subscribe","success":true,"ts":)") != std::string::npos);
  c.send(R"({"id":"clientID7","topic":"SPOT_NOPE_USDC@orderbookupdate","event":"subscribe"})");
  const std::string err = await(c, "clientID7");
  CHECK(err.find(R"("success":false)") != std::string::npos);
  CHECK(err.find(R"("errorMsg":"invalid symbol SPOT_NOPE_USDC")") != std::string::npos);
  c.send(R"({"event":"ping"})");
  CHECK(!await(c, R"({"event":"pong","ts":)").empty());
  c.send(R"({"id":"u1","topic":"SPOT_BTC_USDT@orderbookupdate","event":"unsubscribe"})");
  const std::string unsub = await(c, R"("id":"u1")");
  CHECK(unsub.find(R"("data":"SPOT_BTC_USDT@orderbookupdate")") != std::string::npos);
  c.send(R"({"id":"r1","event":"request","params":{"type":"orderbook","symbol":"PERP_BTC_USDT"}})");
  const std::string snap = await(c, R"("id":"r1")");
  CHECK(snap.find(R"("data":{"symbol":"PERP_BTC_USDT","ts":)") != std::string::npos);
  c.send("not json");
  CHECK(!await(c, "invalid json").empty());
}

TEST_CASE(
    "WOO pings every period; answering clients stay, silent ones are dropped after the missed "
    "pongs",
    "[sim][woo]") {
  auto cfg = test_config(102, {"woo"});
  cfg.venue.rate = 50;
  cfg.options["woo"]["ping_ms"] = "100";
  cfg.options["woo"]["max_missed_pongs"] = "3";
  SimThread st(cfg);
  WsClient silent;
  REQUIRE(silent.connect(st.sim().url("woo", false), "").empty());
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(await_close(silent, std::chrono::seconds(20)) == 1000);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  CHECK(ms >= 300);
  CHECK(silent.close_reason() == "pong timeout");
  CHECK(st.sim().venue("woo")->stats().heartbeat_closes.load() == 1);

  WsClient polite;
  REQUIRE(polite.connect(st.sim().url("woo", false), "").empty());
  for (int i = 0; i < 8; ++i) {
    REQUIRE(!await(polite, R"({"event":"ping","ts":)").empty());
    polite.send(R"({"event":"pong"})");
  }
  CHECK(st.sim().venue("woo")->stats().heartbeat_closes.load() == 1);
}

TEST_CASE(
    "a dropped WOO delta is in the truth but never sent: a chain-ignoring client drifts, a "
    "resyncing one converges",
    "[sim][faults][woo]") {
  const std::uint64_t seed = 61;
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"woo"});
  cfg.venue.frames = 3000;
  cfg.options["woo"]["snapshot_ms"] = "50";
  sim::apply_fault_spec(cfg.faults, "drop=0.01");
  const auto syms = symbol_names("woo");
  cfg.venue.wait_subscriptions = syms.size() * 7;  // naive: 3 per symbol, careful: 4
  SimThread st(cfg);
  ClientOptions naive;
  naive.url = st.sim().url("woo", false);
  naive.symbols = syms;
  naive.resync = false;
  ClientOptions careful = naive;
  careful.resync = true;
  careful.woo_snapshots = true;
  ClientResult nr;
  std::thread t([&] { nr = run_woo_client(naive); });
  const ClientResult cr = run_woo_client(careful);
  t.join();
  st.join();
  const auto drops = injected(st.sim(), "woo", sim::FaultKind::drop);
  const auto frames = st.sim().venue("woo")->faults().delta_frames.load();
  INFO("drops " << drops << " frames " << frames << " naive gaps " << nr.c.gaps << " careful gaps "
                << cr.c.gaps);
  REQUIRE(drops > 0);
  CHECK(nr.c.deltas == frames - drops);
  CHECK(cr.c.deltas == frames - drops);
  CHECK(nr.c.gaps >= 1);
  CHECK(nr.c.gaps <= drops);
  CHECK(!compare_books(nr.books, st.sim().truth(), "woo").empty());
  CHECK(cr.c.push_mismatch == 0);
  CHECK(compare_books(cr.books, st.sim().truth(), "woo").empty());
}

TEST_CASE("every WOO delta fault is seen by a protocol client, which still ends on the truth",
          "[sim][faults][woo]") {
  const std::uint64_t seed = GENERATE(71U, 72U);
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"woo"});
  cfg.venue.frames = 4000;
  cfg.options["woo"]["snapshot_ms"] = "50";
  for (const char* k : {"drop", "dup", "reorder", "corrupt", "truncate", "wrong_type"})
    sim::apply_fault_spec(cfg.faults, std::string(k) + "=0.01");
  sim::apply_fault_spec(cfg.faults, "oversize=0.002");
  sim::apply_fault_spec(cfg.faults, "oversize_bytes=1200000");
  const auto syms = symbol_names("woo");
  cfg.venue.wait_subscriptions = syms.size() * 4;
  SimThread st(cfg);
  ClientOptions o;
  o.url = st.sim().url("woo", false);
  o.symbols = syms;
  o.woo_snapshots = true;
  const ClientResult r = run_woo_client(o);  // 4 subscriptions per symbol
  st.join();
  auto inj = [&](sim::FaultKind k) { return injected(st.sim(), "woo", k); };
  INFO("end " << r.end << " gaps " << r.c.gaps << " stale " << r.c.stale << " push_resyncs "
              << r.c.push_resyncs);
  CHECK(r.c.bad_json == inj(sim::FaultKind::corrupt) + inj(sim::FaultKind::truncate));
  CHECK(r.c.bad_types == inj(sim::FaultKind::wrong_type));
  CHECK(r.c.oversize == inj(sim::FaultKind::oversize));
  CHECK(r.c.deltas == 4000 - inj(sim::FaultKind::drop) - inj(sim::FaultKind::corrupt) -
                          inj(sim::FaultKind::truncate) - inj(sim::FaultKind::wrong_type) +
                          inj(sim::FaultKind::dup));
  CHECK(r.c.gaps >= 1);
  CHECK(r.c.stale >= 1);
  CHECK(r.c.push_mismatch == 0);
  CHECK(compare_books(r.books, st.sim().truth(), "woo").empty());
}

TEST_CASE("WOO v3 acks the topics it takes, refuses 11 per request, answers PING, sends v3 deltas",
          "[sim][woo][v3]") {
  auto cfg = test_config(103, {"woo"});
  cfg.venue.rate = 50;
  cfg.options["woo"]["protocol"] = "v3";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("woo", false), "").empty());
  // An unknown symbol and a topic kind not simulated are left out of the ack.
  c.send(
      R"({"id":"1","cmd":"SUBSCRIBE","params":["orderbookupdate@SPOT_BTC_USDT@50","orderbookupdate@SPOT_NOPE_USDC@50","trade@SPOT_BTC_USDT","bbo@SPOT_BTC_USDT"]})");
  const std::string ack = await(c, R"("id":"1")");
  CHECK(ack.find(R"("cmd":"SUBSCRIBE","success":true)") != std::string::npos);
  CHECK(ack.find(R"("data":["orderbookupdate@SPOT_BTC_USDT@50","bbo@SPOT_BTC_USDT"])") !=
        std::string::npos);
  std::string eleven = R"({"id":"2","cmd":"SUBSCRIBE","params":[)";
  for (int i = 0; i < 11; ++i) eleven += std::string(i ? "," : "") + R"("bbo@SPOT_ETH_USDT")";
  c.send(eleven + "]}");
  CHECK(await(c, R"("id":"2")").find(R"("success":false)") != std::string::npos);
  c.send(R"({"cmd":"PING","ts":1})");
  CHECK(!await(c, R"({"cmd":"PONG","success":true,"time":)").empty());
  const std::string delta = await(c, R"({"topic":"orderbookupdate@SPOT_BTC_USDT@50","ts":)");
  CHECK(delta.find(R"(,"prevTs":)") != std::string::npos);
  CHECK(delta.find(R"(,"s":"SPOT_BTC_USDT"})") != std::string::npos);
}

TEST_CASE("WOO v3 closes a socket the client leaves silent", "[sim][woo][v3]") {
  auto cfg = test_config(104, {"woo"});
  cfg.venue.rate = 50;
  cfg.options["woo"]["protocol"] = "v3";
  cfg.options["woo"]["idle_close_ms"] = "300";
  SimThread st(cfg);
  WsClient silent;
  REQUIRE(silent.connect(st.sim().url("woo", false), "").empty());
  CHECK(await_close(silent, std::chrono::seconds(20)) == 1000);
}

TEST_CASE("WOO v2 pushes the reference topics as JSON numbers to the sessions that subscribed",
          "[sim][woo][reference]") {
  auto cfg = test_config(105, {"woo"});
  cfg.venue.rate = 50;
  cfg.options["woo"]["ref_ms"] = "20";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("woo", false), "").empty());
  for (const char* t : {"markprice", "indexprice", "estfundingrate", "openinterest"}) {
    c.send(std::string(R"({"id":")") + t + R"(","topic":"PERP_BTC_USDT@)" + t +
           R"(","event":"subscribe"})");
    CHECK(await(c, std::string(R"("id":")") + t + "\"").find(R"("success":true)") !=
          std::string::npos);
  }
  // A spot symbol has no mark: acked, and silent.
  c.send(R"({"id":"spot","topic":"SPOT_BTC_USDT@markprice","event":"subscribe"})");
  CHECK(await(c, R"("id":"spot")").find(R"("success":true)") != std::string::npos);
  const std::string mark = await(c, R"({"topic":"PERP_BTC_USDT@markprice","ts":)");
  CHECK(mark.find(R"("data":{"symbol":"PERP_BTC_USDT","price":)") != std::string::npos);
  CHECK(mark.find(R"("price":")") == std::string::npos);  // a number, not a string
  const std::string funding = await(c, R"({"topic":"PERP_BTC_USDT@estfundingrate")");
  CHECK(funding.find(R"(,"fundingRate":)") != std::string::npos);
  CHECK(funding.find(R"(,"fundingTs":)") != std::string::npos);
  CHECK(!await(c, R"("openInterest":)").empty());
  CHECK(!await(c, R"({"topic":"PERP_BTC_USDT@indexprice")").empty());
  sim::WooReferenceSent perp, spot;
  REQUIRE(sim::woo_reference_sent(*st.sim().venue("woo"), "PERP_BTC_USDT", perp));
  REQUIRE(sim::woo_reference_sent(*st.sim().venue("woo"), "SPOT_BTC_USDT", spot));
  CHECK(perp.rounds >= 4);
  CHECK(!perp.mark_price.empty());
  CHECK(perp.next_funding_ms == 0);  // v2 has no next funding time
  CHECK(spot.mark_price.empty());
  CHECK(spot.rounds == 0);
}

TEST_CASE("WOO v3 takes the reference topics, the index only by its spot symbol",
          "[sim][woo][v3][reference]") {
  auto cfg = test_config(106, {"woo"});
  cfg.venue.rate = 50;
  cfg.options["woo"]["protocol"] = "v3";
  cfg.options["woo"]["ref_ms"] = "20";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("woo", false), "").empty());
  c.send(
      R"({"id":"1","cmd":"SUBSCRIBE","params":["markprice@PERP_BTC_USDT","estfundingrate@PERP_BTC_USDT","openinterest@PERP_BTC_USDT","indexprice@SPOT_BTC_USDT","indexprice@PERP_BTC_USDT","markprice@SPOT_BTC_USDT","indexprice@SPOT_DOGE_USDT","indexprice@SPOT_NOPE_USDT"]})");
  // Not taken: a PERP index, a spot mark, an underlying not simulated. The
  // DOGE index is (PERP_DOGE_USDT's underlying, no SPOT_DOGE_USDT simulated).
  const std::string ack = await(c, R"("id":"1")");
  CHECK(
      ack.find(
          R"("data":["markprice@PERP_BTC_USDT","estfundingrate@PERP_BTC_USDT","openinterest@PERP_BTC_USDT","indexprice@SPOT_BTC_USDT","indexprice@SPOT_DOGE_USDT"])") !=
      std::string::npos);
  const std::string mark = await(c, R"({"topic":"markprice@PERP_BTC_USDT","ts":)");
  CHECK(mark.find(R"("data":{"s":"PERP_BTC_USDT","px":")") != std::string::npos);
  const std::string funding = await(c, R"({"topic":"estfundingrate@PERP_BTC_USDT")");
  CHECK(funding.find(R"(,"r":")") != std::string::npos);
  CHECK(funding.find(R"(,"ft":)") != std::string::npos);
  CHECK(!await(c, R"(,"oi":")").empty());
  const std::string index = await(c, R"({"topic":"indexprice@SPOT_BTC_USDT")");
  CHECK(index.find(R"("data":{"s":"SPOT_BTC_USDT","px":")") != std::string::npos);
  sim::WooReferenceSent perp, spot;
  REQUIRE(sim::woo_reference_sent(*st.sim().venue("woo"), "PERP_BTC_USDT", perp));
  REQUIRE(sim::woo_reference_sent(*st.sim().venue("woo"), "SPOT_BTC_USDT", spot));
  CHECK(perp.next_funding_ms % (8 * 3600 * 1000) == 0);
  CHECK(!spot.index_price.empty());  // the index is recorded on both BTC symbols
  CHECK(spot.mark_price.empty());
}
