// Control-plane behaviour of each venue: acks, errors, heartbeats, auth, capture.
#include <simdjson.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "sim_thread.hpp"
#include "tools/sim/capture.hpp"
#include "tools/sim/pulse/pulse_venue.hpp"
#include "venue_clients.hpp"

using namespace wirebook;
using namespace wirebook::simtest;

namespace {

// Reads frames until one contains `needle`; returns it, or "" on timeout/close.
std::string await(WsClient& c, const std::string& needle,
                  std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string msg;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (c.read(msg, left) != ReadStatus::ok) return {};
    if (msg.find(needle) != std::string::npos) return msg;
  }
  return {};
}

// Reads until the connection ends; returns the close code (0: no close frame).
int await_close(WsClient& c, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string msg;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const ReadStatus s = c.read(msg, left);
    if (s == ReadStatus::closed) return c.close_code();
    if (s != ReadStatus::ok) return 0;
  }
  return -1;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

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

TEST_CASE("protocol clients with heartbeats run over wss:// through a bounded run", "[sim][tls]") {
  auto cfg = test_config(114, {"woo", "pulse"});
  cfg.venue.rate = 400;
  cfg.venue.seconds = 2;
  cfg.options["woo"]["ping_ms"] = "100";
  cfg.options["woo"]["max_missed_pongs"] = "2";
  cfg.options["pulse"]["second_ms"] = "20";
  SimThread st(cfg);
  ClientOptions wo;
  wo.url = st.sim().url("woo", true);
  wo.ca_file = st.sim().ca_path();
  for (const auto& s : sim::venue_symbols("woo", 0)) wo.symbols.push_back(s.name);
  ClientOptions po;
  po.url = st.sim().url("pulse", true);
  po.ca_file = st.sim().ca_path();
  po.heartbeat_interval_s = 10;
  for (const auto& s : sim::venue_symbols("pulse", 0)) po.symbols.push_back(s.name);
  ClientResult wr;
  std::thread t([&] { wr = run_woo_client(wo); });
  const ClientResult pr = run_pulse_client(po);
  t.join();
  st.join();
  INFO("woo " << wr.end << " pulse " << pr.end);
  CHECK(wr.close_code == 1000);
  CHECK(pr.close_code == 1000);
  CHECK(wr.c.pings >= 5);
  CHECK(pr.c.pings >= 3);
  CHECK(st.sim().venue("woo")->stats().heartbeat_closes.load() == 0);
  CHECK(st.sim().venue("pulse")->stats().heartbeat_closes.load() == 0);
  CHECK(compare_books(wr.books, st.sim().truth(), "woo").empty());
  CHECK(compare_books(pr.books, st.sim().truth(), "pulse").empty());
}

TEST_CASE("a capture file is replayed in order instead of the generator", "[sim]") {
  const std::string path = "/tmp/wirebook-sim-capture-" + std::to_string(::getpid()) + ".jsonl";
  {
    std::ofstream out(path);
    out << "# three WOO frames\n";
    for (int i = 0; i < 3; ++i)
      out << sim::capture_line(
                 1'000'000'000LL + i * 1'000'000LL, "woo",
                 R"({"topic":"SPOT_BTC_USDT@trade","ts":)" + std::to_string(1000 + i) +
                     R"(,"data":{"symbol":"SPOT_BTC_USDT","price":1,"size":1,"side":"BUY","source":1}})")
          << "\n";
  }
  auto cfg = test_config(121, {"woo", "pulse"});
  cfg.capture_path = path;
  cfg.venue.capture_speed = 1.0;
  SimThread st(cfg);
  CHECK(st.sim().venue("pulse") == nullptr);  // nothing captured for it
  WsClient c;
  REQUIRE(c.connect(st.sim().url("woo", false), "").empty());
  for (int i = 0; i < 3; ++i) CHECK(!await(c, R"("ts":)" + std::to_string(1000 + i)).empty());
  CHECK(await_close(c, std::chrono::seconds(20)) == 1000);
  std::remove(path.c_str());
}
