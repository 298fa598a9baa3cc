// The simulator's Pulse module (PROTOCOLS.md §2): an independent client keyed
// on change_id rebuilds the true books, JSON-RPC answers, auth and heartbeats
// behave as the venue's, and delta faults break the chain the client follows.
#include <catch2/catch.hpp>

#include "pulse/pulse_client.hpp"
#include "ref_book.hpp"
#include "sim_thread.hpp"
#include "tools/sim/pulse/pulse_venue.hpp"

using namespace wirebook;
using namespace wirebook::simtest;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE(
    "a Pulse client keyed on change_id rebuilds the true books from raw and 100ms channels over "
    "ws://",
    "[sim][pulse]") {
  const std::uint64_t seed = GENERATE(21U, 22U);
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"pulse"});
  cfg.venue.frames = 4000;
  cfg.options["pulse"]["exponent_rate"] = "0.2";
  cfg.options["pulse"]["agg_ms"] = "20";
  const auto syms = symbol_names("pulse");
  cfg.venue.wait_subscriptions = syms.size() * 3;
  SimThread st(cfg);
  ClientOptions o;
  o.url = st.sim().url("pulse", false);
  o.symbols = syms;
  const ClientResult r = run_pulse_client(o);
  st.join();
  REQUIRE(r.connect_error.empty());
  INFO("end: " << r.end);
  CHECK(r.close_code == 1000);
  CHECK(r.c.deltas == 4000);
  CHECK(r.c.gaps == 0);
  CHECK(r.c.bad_json == 0);
  CHECK(r.c.bad_types == 0);
  CHECK(r.c.snapshots == syms.size() * 2);
  CHECK(r.c.quote_mismatch == 0);
  CHECK(compare_books(r.books, st.sim().truth(), "pulse").empty());
  CHECK(compare_books(r.agg_books, st.sim().truth(), "pulse").empty());
}

TEST_CASE("Pulse answers JSON-RPC: subscribed channels only, errors for bad requests",
          "[sim][pulse]") {
  auto cfg = test_config(111, {"pulse"});
  cfg.venue.rate = 50;
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("pulse", false), "").empty());
  c.send(
      R"({"jsonrpc":"2.0","id":3,"method":"public/subscribe","params":{"channels":["book.BTC_USD-PERPETUAL.100ms","book.NOPE-PERPETUAL.raw","quote.BTC_USD-PERPETUAL","trades.x"]}})");
  const std::string sub = await(c, R"("id":3)");
  CHECK(sub.find(R"("result":["book.BTC_USD-PERPETUAL.100ms","quote.BTC_USD-PERPETUAL"])") !=
        std::string::npos);
  CHECK(sub.find(R"("usIn":)") != std::string::npos);
  const std::string snap = await(c, R"("type":"snapshot")");
  CHECK(snap.find(R"("channel":"book.BTC_USD-PERPETUAL.100ms")") != std::string::npos);
  c.send("{oops");
  const std::string bad = await(c, "11050");
  CHECK(bad.find(R"("message":"bad_request")") != std::string::npos);
  CHECK(bad.find(R"("id")") == std::string::npos);
  c.send(R"({"jsonrpc":"2.0","id":5,"method":"public/nope","params":{}})");
  CHECK(await(c, R"("id":5)").find("-32601") != std::string::npos);
  c.send(R"({"jsonrpc":"2.0","id":6,"method":"public/set_heartbeat","params":{"interval":5}})");
  CHECK(await(c, R"("id":6)").find("-32602") != std::string::npos);
  c.send(
      R"({"jsonrpc":"2.0","id":7,"method":"public/unsubscribe","params":{"channels":["quote.BTC_USD-PERPETUAL","quote.ETH_USD-PERPETUAL"]}})");
  CHECK(await(c, R"("id":7)").find(R"("result":["quote.BTC_USD-PERPETUAL"])") != std::string::npos);
  c.send(R"({"jsonrpc":"2.0","id":8,"method":"public/test"})");
  CHECK(await(c, R"("id":8)").find(R"("result":{"version")") != std::string::npos);
}

TEST_CASE("Pulse public/auth verifies client_credentials and client_signature", "[sim][pulse]") {
  auto cfg = test_config(112, {"pulse"});
  cfg.venue.rate = 50;
  cfg.options["pulse"]["raw_needs_auth"] = "true";
  cfg.options["pulse"]["client_id"] = "id1";
  cfg.options["pulse"]["client_secret"] = "s3cret";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("pulse", false), "").empty());
  c.send(
      R"({"jsonrpc":"2.0","id":1,"method":"public/subscribe","params":{"channels":["book.BTC_USD-PERPETUAL.raw"]}})");
  CHECK(await(c, R"("id":1)").find("13778") != std::string::npos);
  c.send(
      R"({"jsonrpc":"2.0","id":2,"method":"public/auth","params":{"grant_type":"client_credentials","client_id":"id1","client_secret":"wrong"}})");
  CHECK(await(c, R"("id":2)").find("13004") != std::string::npos);
  const std::string ts = std::to_string(now_ms());
  const std::string bad_sig = sim::pulse_signature("wrong", ts, "n1", "");
  c.send(
      R"({"jsonrpc":"2.0","id":3,"method":"public/auth","params":{"grant_type":"client_signature","client_id":"id1","timestamp":)" +
      ts + R"(,"nonce":"n1","signature":")" + bad_sig + R"(","data":""}})");
  CHECK(await(c, R"("id":3)").find("13004") != std::string::npos);
  const std::string sig = sim::pulse_signature("s3cret", ts, "n1", "");
  c.send(
      R"({"jsonrpc":"2.0","id":4,"method":"public/auth","params":{"grant_type":"client_signature","client_id":"id1","timestamp":)" +
      ts + R"(,"nonce":"n1","signature":")" + sig + R"(","data":""}})");
  CHECK(await(c, R"("id":4)").find(R"("token_type":"bearer")") != std::string::npos);
  c.send(
      R"({"jsonrpc":"2.0","id":5,"method":"public/subscribe","params":{"channels":["book.BTC_USD-PERPETUAL.raw"]}})");
  CHECK(await(c, R"("id":5)").find(R"("result":["book.BTC_USD-PERPETUAL.raw"])") !=
        std::string::npos);

  WsClient c2;
  REQUIRE(c2.connect(st.sim().url("pulse", false), "").empty());
  c2.send(
      R"({"jsonrpc":"2.0","id":6,"method":"public/auth","params":{"grant_type":"client_credentials","client_id":"id1","client_secret":"s3cret"}})");
  CHECK(await(c2, R"("id":6)").find(R"("access_token")") != std::string::npos);
}

TEST_CASE(
    "Pulse heartbeats: test_request answered by public/test keeps the socket; unanswered closes "
    "with 4000",
    "[sim][pulse]") {
  auto cfg = test_config(113, {"pulse"});
  cfg.venue.rate = 50;
  cfg.options["pulse"]["second_ms"] = "20";  // interval 10 -> 200 ms
  SimThread st(cfg);
  WsClient silent;
  REQUIRE(silent.connect(st.sim().url("pulse", false), "").empty());
  silent.send(
      R"({"jsonrpc":"2.0","id":1,"method":"public/set_heartbeat","params":{"interval":10}})");
  CHECK(!await(silent, R"("type":"test_request")").empty());
  CHECK(await_close(silent, std::chrono::seconds(20)) == 4000);
  CHECK(silent.close_reason() == "heartbeat close");

  WsClient polite;
  REQUIRE(polite.connect(st.sim().url("pulse", false), "").empty());
  polite.send(
      R"({"jsonrpc":"2.0","id":1,"method":"public/set_heartbeat","params":{"interval":10}})");
  for (int i = 0; i < 6; ++i) {
    REQUIRE(!await(polite, R"("type":"test_request")").empty());
    polite.send(R"({"jsonrpc":"2.0","id":12,"method":"public/test","params":{}})");
  }
  CHECK(st.sim().venue("pulse")->stats().heartbeat_closes.load() == 1);
}

TEST_CASE(
    "Pulse delta faults break the change_id chain; resubscribing and the 100ms channel end on the "
    "truth",
    "[sim][faults][pulse]") {
  const std::uint64_t seed = 81;
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"pulse"});
  cfg.venue.frames = 4000;
  cfg.options["pulse"]["agg_ms"] = "20";
  for (const char* k : {"drop", "dup", "reorder", "corrupt", "truncate", "wrong_type"})
    sim::apply_fault_spec(cfg.faults, std::string(k) + "=0.01");
  const auto syms = symbol_names("pulse");
  cfg.venue.wait_subscriptions = syms.size() * 3;
  SimThread st(cfg);
  ClientOptions o;
  o.url = st.sim().url("pulse", false);
  o.symbols = syms;
  const ClientResult r = run_pulse_client(o);
  st.join();
  auto inj = [&](sim::FaultKind k) { return injected(st.sim(), "pulse", k); };
  INFO("end " << r.end << " gaps " << r.c.gaps << " stale " << r.c.stale);
  CHECK(r.close_code == 1000);
  CHECK(r.c.gaps >= 1);
  CHECK(r.c.bad_json <= inj(sim::FaultKind::corrupt) + inj(sim::FaultKind::truncate));
  CHECK(r.c.bad_json >= 1);
  CHECK(r.c.bad_types <= inj(sim::FaultKind::wrong_type));
  CHECK(r.c.snapshots > syms.size() * 2);  // resubscriptions brought fresh snapshots
  CHECK(compare_books(r.agg_books, st.sim().truth(), "pulse").empty());
}

TEST_CASE(
    "Pulse as documented: no public/unsubscribe or public/test, string subscribe results, "
    "CommonCodes errors, connection.Message acks, an epoch expires_in",
    "[sim][pulse][documented]") {
  auto cfg = test_config(115, {"pulse"});
  cfg.venue.rate = 50;
  cfg.options["pulse"]["documented"] = "true";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("pulse", false), "").empty());
  c.send(
      R"({"jsonrpc":"2.0","id":3,"method":"public/subscribe","params":{"channels":["book.BTC_USD-PERPETUAL.raw"]}})");
  CHECK(await(c, R"("id":3)").find(R"("result":"ok")") != std::string::npos);
  const std::string snap = await(c, R"("type":"snapshot")");
  CHECK(snap.find(R"("bids":[["new",)") != std::string::npos);  // action levels unless asked
  c.send(
      R"({"jsonrpc":"2.0","id":4,"method":"public/unsubscribe","params":{"channels":["book.BTC_USD-PERPETUAL.raw"]}})");
  const std::string unsub = await(c, R"("id":4)");
  CHECK(unsub.find(R"("error":{"code":4,"message":"Method not found")") != std::string::npos);
  c.send(R"({"jsonrpc":"2.0","id":5,"method":"public/test","params":{}})");
  CHECK(await(c, R"("id":5)").find(R"("error":{"code":4,)") != std::string::npos);
  c.send(R"({"jsonrpc":"2.0","id":6,"method":"public/set_heartbeat","params":{"interval":5}})");
  CHECK(await(c, R"("id":6)").find(R"("error":{"code":2,)") != std::string::npos);
  c.send(R"({"jsonrpc":"2.0","id":7,"method":"public/set_heartbeat","params":{"interval":10}})");
  CHECK(await(c, R"("id":7)").find(R"("description":"ok","response":null,"status":200})") !=
        std::string::npos);
  // unsubscribe_all stops the book; subscribing again brings a fresh snapshot.
  c.send(R"({"jsonrpc":"2.0","id":8,"method":"public/unsubscribe_all","params":{}})");
  CHECK(await(c, R"("id":8)").find(R"("status":200)") != std::string::npos);
  c.send(
      R"({"jsonrpc":"2.0","id":9,"method":"public/subscribe","params":{"channels":["book.BTC_USD-PERPETUAL.raw"]}})");
  CHECK(await(c, R"("id":9)").find(R"("result":"ok")") != std::string::npos);
  CHECK(!await(c, R"("type":"snapshot")").empty());
  c.send(
      R"({"jsonrpc":"2.0","id":10,"method":"public/auth","params":{"grant_type":"client_credentials","client_id":"sim-client","client_secret":"sim-secret"}})");
  const std::string auth = await(c, R"("id":10)");
  const auto at = auth.find(R"("expires_in":)");
  REQUIRE(at != std::string::npos);
  const std::int64_t expires = std::stoll(auth.substr(at + 13));
  const std::int64_t now_s = now_ms() / 1000;
  CHECK(expires >= now_s + 31'536'000 - 60);  // an epoch in seconds, a year ahead
  CHECK(expires <= now_s + 31'536'000 + 60);
  c.send(
      R"({"jsonrpc":"2.0","id":11,"method":"public/auth","params":{"grant_type":"client_credentials","client_id":"sim-client","client_secret":"wrong"}})");
  CHECK(await(c, R"("id":11)").find(R"("error":{"code":9,)") != std::string::npos);
}

TEST_CASE("Pulse as documented: a test_request is answered by public/set_heartbeat",
          "[sim][pulse][documented]") {
  auto cfg = test_config(116, {"pulse"});
  cfg.venue.rate = 50;
  cfg.options["pulse"]["documented"] = "true";
  cfg.options["pulse"]["second_ms"] = "20";  // interval 10 -> 200 ms
  SimThread st(cfg);
  // public/test is no answer: the socket is closed with 4000.
  WsClient deribit_style;
  REQUIRE(deribit_style.connect(st.sim().url("pulse", false), "").empty());
  deribit_style.send(
      R"({"jsonrpc":"2.0","id":1,"method":"public/set_heartbeat","params":{"interval":10}})");
  REQUIRE(!await(deribit_style, R"("type":"test_request")").empty());
  deribit_style.send(R"({"jsonrpc":"2.0","id":2,"method":"public/test","params":{}})");
  CHECK(await_close(deribit_style, std::chrono::seconds(20)) == 4000);

  WsClient documented;
  REQUIRE(documented.connect(st.sim().url("pulse", false), "").empty());
  documented.send(
      R"({"jsonrpc":"2.0","id":1,"method":"public/set_heartbeat","params":{"interval":10}})");
  for (int i = 0; i < 6; ++i) {
    REQUIRE(!await(documented, R"("type":"test_request")").empty());
    documented.send(
        R"({"jsonrpc":"2.0","id":5,"method":"public/set_heartbeat","params":{"interval":10}})");
  }
  CHECK(st.sim().venue("pulse")->stats().heartbeat_closes.load() == 1);
}

TEST_CASE("Pulse pair_levels prints book levels as [price, amount]", "[sim][pulse][documented]") {
  auto cfg = test_config(117, {"pulse"});
  cfg.venue.rate = 200;
  cfg.options["pulse"]["pair_levels"] = "true";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("pulse", false), "").empty());
  c.send(
      R"({"jsonrpc":"2.0","id":3,"method":"public/subscribe","params":{"channels":["book.BTC_USD-PERPETUAL.raw","book.BTC_USD-PERPETUAL.100ms"]}})");
  const std::string snap = await(c, R"("type":"snapshot")");
  CHECK(snap.find(R"("bids":[[)") != std::string::npos);
  CHECK(snap.find(R"(["new",)") == std::string::npos);
  for (int k = 0; k < 20; ++k) {
    const std::string change = await(c, R"("type":"change")");
    REQUIRE(change.find(R"("bids":[)") != std::string::npos);
    for (const char* action : {R"(["new",)", R"(["change",)", R"(["delete",)"}) {
      CHECK(change.find(action) == std::string::npos);
    }
  }
}

TEST_CASE("Pulse closes a session whose token expires; a refresh_token login extends it",
          "[sim][pulse][auth]") {
  auto cfg = test_config(118, {"pulse"});
  cfg.venue.rate = 50;
  cfg.options["pulse"]["token_lifetime_s"] = "1";
  cfg.options["pulse"]["second_ms"] = "20";  // interval 10 -> 200 ms
  SimThread st(cfg);
  const std::string login =
      R"({"jsonrpc":"2.0","id":1,"method":"public/auth","params":{"grant_type":"client_credentials","client_id":"sim-client","client_secret":"sim-secret"}})";
  WsClient lazy;
  REQUIRE(lazy.connect(st.sim().url("pulse", false), "").empty());
  lazy.send(login);
  CHECK(await(lazy, R"("id":1)").find(R"("expires_in":1,)") != std::string::npos);
  CHECK(await_close(lazy, std::chrono::seconds(20)) == 4001);
  CHECK(lazy.close_reason() == "token expired");

  // Heartbeats pace the client (a test_request every 200 ms): it refreshes on
  // every second one, so for 2.4 s (past two lifetimes) the token never runs out.
  WsClient diligent;
  REQUIRE(diligent.connect(st.sim().url("pulse", false), "").empty());
  diligent.send(login);
  REQUIRE(!await(diligent, R"("id":1)").empty());
  diligent.send(
      R"({"jsonrpc":"2.0","id":2,"method":"public/set_heartbeat","params":{"interval":10}})");
  for (int k = 0; k < 12; ++k) {
    REQUIRE(!await(diligent, R"("type":"test_request")").empty());
    diligent.send(R"({"jsonrpc":"2.0","id":9,"method":"public/test","params":{}})");
    if (k % 2 == 1) {
      diligent.send(
          R"({"jsonrpc":"2.0","id":3,"method":"public/auth","params":{"grant_type":"refresh_token","refresh_token":"sim-refresh-token"}})");
    }
  }
  diligent.send(R"({"jsonrpc":"2.0","id":4,"method":"public/get_time","params":{}})");
  CHECK(!await(diligent, R"("id":4)").empty());
  CHECK(diligent.close_code() == 0);
}

TEST_CASE("Pulse serves funding_rates and deribit_price_index in the documented shapes",
          "[sim][pulse][reference]") {
  auto cfg = test_config(113, {"pulse"});
  cfg.venue.rate = 50;
  cfg.options["pulse"]["ref_ms"] = "20";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("pulse", false), "").empty());
  c.send(
      R"({"jsonrpc":"2.0","id":3,"method":"public/subscribe","params":{"channels":["funding_rates.BTC_USD-PERPETUAL","deribit_price_index.btc_usd","deribit_price_index.nope_usd","funding_rates.NOPE-PERPETUAL"]}})");
  CHECK(
      await(c, R"("id":3)")
          .find(R"("result":["funding_rates.BTC_USD-PERPETUAL","deribit_price_index.btc_usd"])") !=
      std::string::npos);
  // models.FundingRateNotification: instrument_name, range_end, range_start, rate (a string).
  const std::string f = await(c, R"("channel":"funding_rates.BTC_USD-PERPETUAL")");
  CHECK(f.find(R"("data":{"instrument_name":"BTC_USD-PERPETUAL","range_end":)") !=
        std::string::npos);
  CHECK(f.find(R"(,"range_start":)") != std::string::npos);
  CHECK(f.find(R"(,"rate":")") != std::string::npos);
  // models.PriceNotification: index_name, price (a number), timestamp.
  const std::string p = await(c, R"("channel":"deribit_price_index.btc_usd")");
  CHECK(p.find(R"("data":{"index_name":"btc_usd","price":9)") != std::string::npos);
  CHECK(p.find(R"(,"timestamp":)") != std::string::npos);
  const auto sent = sim::pulse_reference_sent(*st.sim().venue("pulse"), 0);
  REQUIRE(sent.has_value());
  CHECK(sent->funding_pushes >= 1);
  CHECK(sent->index_pushes >= 1);
  CHECK_FALSE(sim::pulse_reference_sent(*st.sim().venue("pulse"), 99).has_value());
  c.send(
      R"({"jsonrpc":"2.0","id":4,"method":"public/unsubscribe","params":{"channels":["funding_rates.BTC_USD-PERPETUAL","deribit_price_index.btc_usd","deribit_price_index.eth_usd"]}})");
  CHECK(
      await(c, R"("id":4)")
          .find(R"("result":["funding_rates.BTC_USD-PERPETUAL","deribit_price_index.btc_usd"])") !=
      std::string::npos);
}
