// The simulator's OX.FUN module (PROTOCOLS.md §4): an independent client
// rebuilds the true books with the depthUpdate procedure, the login is
// verified with the HMAC, the position script opens, flips and closes, and
// the control plane answers as documented (acks, refusals, ping, silence).
#include <catch2/catch.hpp>

#include "oxfun/oxfun_client.hpp"
#include "ref_book.hpp"
#include "sim_thread.hpp"
#include "tools/sim/oxfun/oxfun_venue.hpp"

using namespace wirebook;
using namespace wirebook::simtest;

TEST_CASE("an OX.FUN client following the seqNum procedure rebuilds the true books",
          "[sim][oxfun]") {
  const std::uint64_t seed = GENERATE(21U, 22U);
  const bool tls = GENERATE(false, true);
  INFO("seed " << seed << (tls ? " wss" : " ws"));
  auto cfg = test_config(seed, {"oxfun"});
  cfg.venue.frames = 4000;
  cfg.options["oxfun"]["late_snapshot"] = "1";  // every partial after a diff
  const auto syms = symbol_names("oxfun");
  cfg.venue.wait_subscriptions = syms.size();
  SimThread st(cfg);
  OxfunClientOptions o;
  o.base.url = st.sim().url("oxfun", tls);
  o.base.ca_file = tls ? st.sim().ca_path() : "";
  o.base.symbols = syms;
  const OxfunClientResult r = run_oxfun_client(o);
  st.join();
  REQUIRE(r.r.connect_error.empty());
  INFO("end: " << r.r.end);
  CHECK(r.greeted);
  CHECK(r.r.close_code == 1000);
  CHECK(r.r.c.gaps == 0);
  CHECK(r.r.c.bad_types == 0);
  CHECK(r.r.c.snapshots == syms.size());
  CHECK(r.buffered_before_partial >= 1);
  CHECK(r.r.c.acks == syms.size());
  CHECK(compare_books(r.r.books, st.sim().truth(), "oxfun").empty());
}

TEST_CASE("OX.FUN login is verified with the HMAC; the position script opens, flips, closes",
          "[sim][oxfun]") {
  auto cfg = test_config(31, {"oxfun"});
  cfg.venue.frames = 3000;
  cfg.venue.rate = 1000;
  cfg.options["oxfun"]["api_key"] = "k1";
  cfg.options["oxfun"]["api_secret"] = "s1";
  cfg.options["oxfun"]["position_ms"] = "10";
  const auto syms = symbol_names("oxfun");
  cfg.venue.wait_subscriptions = syms.size() + 1;  // books and position:all
  SimThread st(cfg);
  OxfunClientOptions o;
  o.base.url = st.sim().url("oxfun", false);
  o.base.symbols = syms;
  o.api_key = "k1";
  o.api_secret = "s1";
  const OxfunClientResult r = run_oxfun_client(o);
  st.join();
  CHECK(r.logged_in);
  CHECK(r.position_frames == 4 * syms.size());
  REQUIRE(r.positions.size() == syms.size());
  for (const auto& [instrument, p] : r.positions) {
    INFO(instrument);
    CHECK(p.updates == 4);
    CHECK(p.was_long);
    CHECK(p.was_short);
    CHECK(p.quantity == "0");
  }
  const auto script = sim::oxfun_position_script(31, sim::venue_symbols("oxfun", 0));
  CHECK(script.size() == 4 * syms.size());
}

TEST_CASE("OX.FUN refuses a wrong signature in the documented shape", "[sim][oxfun]") {
  auto cfg = test_config(32, {"oxfun"});
  cfg.venue.frames = 200;
  cfg.venue.rate = 200;
  SimThread st(cfg);
  OxfunClientOptions o;
  o.base.url = st.sim().url("oxfun", false);
  o.base.symbols = symbol_names("oxfun");
  o.api_key = "sim-key";
  o.api_secret = "not-the-secret";
  const OxfunClientResult r = run_oxfun_client(o);
  st.join();
  CHECK_FALSE(r.logged_in);
  CHECK(r.login_reply.find(R"("event":"login","success":false)") != std::string::npos);
  CHECK(r.login_reply.find(R"("code":"20000")") != std::string::npos);
  CHECK(r.login_reply.find(R"("message":"Signature is invalid")") != std::string::npos);
  CHECK(r.position_frames == 0);
}

TEST_CASE("OX.FUN acks, refusals without a channel, ping/pong, rate limit and silence",
          "[sim][oxfun]") {
  auto cfg = test_config(33, {"oxfun"});
  cfg.venue.rate = 50;
  cfg.options["oxfun"]["idle_close_ms"] = "300";
  cfg.options["oxfun"]["max_requests_per_s"] = "2";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("oxfun", false), "").empty());
  CHECK(!await(c, "\"nonce\"").empty());
  c.send(R"({"op":"subscribe","tag":5,"args":["trade:BTC-USD-SWAP-LIN","depthUpdate:NOPE-USD"]})");
  const std::string ack = await(c, R"("channel":"trade:BTC-USD-SWAP-LIN")");
  CHECK(ack.find(R"({"success":true,"tag":"5","event":"subscribe")") == 0);
  const std::string refused = await(c, R"("success":false)");
  CHECK(refused.find(R"("code":"20015")") != std::string::npos);
  CHECK(refused.find(R"("tag":"5")") != std::string::npos);
  CHECK(refused.find("channel") == std::string::npos);
  c.send("ping");
  CHECK(!await(c, "pong").empty());
  c.send(R"({"op":"unsubscribe","tag":6,"args":["trade:BTC-USD-SWAP-LIN"]})");
  c.send(R"({"op":"unsubscribe","tag":7,"args":["trade:BTC-USD-SWAP-LIN"]})");
  CHECK(await(c, R"("code":"20007")").find(R"("tag":"7")") != std::string::npos);
  // Nothing subscribed with depth and nothing sent: closed after 300 ms.
  CHECK(await_close(c, std::chrono::seconds(10)) == 1000);
  CHECK(st.sim().venue("oxfun")->stats().heartbeat_closes.load() == 1);
}

TEST_CASE("OX.FUN tickers go to subscribers only, in the documented shape, as last exposed",
          "[sim][oxfun][reference]") {
  auto cfg = test_config(34, {"oxfun"});
  cfg.venue.rate = 50;
  cfg.options["oxfun"]["ticker_ms"] = "20";
  SimThread st(cfg);
  const sim::Venue& v = *st.sim().venue("oxfun");
  WsClient c;
  REQUIRE(c.connect(st.sim().url("oxfun", false), "").empty());
  CHECK(!await(c, "\"nonce\"").empty());
  c.send(R"({"op":"subscribe","tag":1,"args":["ticker:ETH-USD-SWAP-LIN","ticker:NOPE-USD"]})");
  CHECK(!await(c, R"("channel":"ticker:ETH-USD-SWAP-LIN")").empty());
  CHECK(await(c, R"("success":false)").find(R"("code":"20015")") != std::string::npos);
  std::string last = await(c, R"("table":"ticker")");
  CHECK(!last.empty());
  // Unsubscribed, the pushes stop: the last one read before the ack is the
  // last one sent.
  c.send(R"({"op":"unsubscribe","tag":2,"args":["ticker:ETH-USD-SWAP-LIN"]})");
  std::string frame;
  while (c.read(frame, std::chrono::seconds(20)) == ReadStatus::ok) {
    if (frame.find(R"("event":"unsubscribe")") != std::string::npos) break;
    if (frame.find(R"("table":"ticker")") != std::string::npos) last = frame;
  }
  REQUIRE(!last.empty());
  const auto t = sim::oxfun_last_ticker(v, 1);  // ETH-USD-SWAP-LIN
  REQUIRE(t.has_value());
  CHECK_FALSE(sim::oxfun_last_ticker(v, 0).has_value());  // BTC: nobody subscribed
  const auto spec = sim::venue_symbols("oxfun", 0)[1];
  const auto want = sim::oxfun_ticker_values(spec, t->push);
  CHECK(t->mark_price == want.mark_price);
  CHECK(t->index_price == want.index_price);
  CHECK(t->open_interest == want.open_interest);
  const std::string expect =
      R"({"table":"ticker","data":[{"last":"3079.5","open24h":"3079.5","high24h":"3080.5",)"
      R"("low24h":"3078.5","volume24h":"0","currencyVolume24h":"0","openInterest":")" +
      t->open_interest + R"(","marketCode":"ETH-USD-SWAP-LIN","timestamp":")" +
      std::to_string(t->ts_ms) + R"(","lastQty":"0","markPrice":")" + t->mark_price +
      R"(","lastMarkPrice":")" +
      (t->push > 1 ? sim::oxfun_ticker_values(spec, t->push - 1).mark_price : t->mark_price) +
      R"(","indexPrice":")" + t->index_price + R"("}]})";
  CHECK(last == expect);
  // Deterministic values: push 1 of ETH (start 3079.5, tick 0.1, lot 0.01).
  const auto first = sim::oxfun_ticker_values(spec, 1);
  CHECK(first.mark_price == "3079.3");
  CHECK(first.index_price == "3079.2");
  CHECK(first.open_interest == "10.03");
}
