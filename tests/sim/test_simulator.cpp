// The simulator across venues: wss:// that verifies against the printed CA,
// bounded runs with heartbeats, a truth reproducible per seed, capture replay.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>

#include "pulse/pulse_client.hpp"
#include "ref_book.hpp"
#include "sim_thread.hpp"
#include "tools/sim/capture.hpp"
#include "woo/woo_client.hpp"

using namespace wirebook;
using namespace wirebook::simtest;

TEST_CASE("both venues serve wss:// that verifies against the printed CA, and books still match",
          "[sim][tls]") {
  const std::uint64_t seed = 31;
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"woo", "pulse"});
  cfg.venue.frames = 1500;
  cfg.venue.symbols = 3;
  cfg.venue.wait_subscriptions = 0;
  cfg.venue.rate = 1000;  // paced: clients join while the market runs
  SimThread st(cfg);
  REQUIRE(!st.sim().ca_path().empty());
  std::vector<std::string> woo_syms = symbol_names("woo", 3);
  std::vector<std::string> pulse_syms = symbol_names("pulse", 3);
  ClientOptions wo;
  wo.url = st.sim().url("woo", true);
  wo.ca_file = st.sim().ca_path();
  wo.symbols = woo_syms;
  ClientOptions po;
  po.url = st.sim().url("pulse", true);
  po.ca_file = st.sim().ca_path();
  po.symbols = pulse_syms;
  ClientResult wr;
  std::thread woo_thread([&] { wr = run_woo_client(wo); });
  const ClientResult pr = run_pulse_client(po);
  woo_thread.join();
  st.join();
  REQUIRE(wr.connect_error.empty());
  REQUIRE(pr.connect_error.empty());
  CHECK(wr.close_code == 1000);
  CHECK(pr.close_code == 1000);
  CHECK(wr.c.gaps == 0);
  CHECK(pr.c.gaps == 0);
  CHECK(compare_books(wr.books, st.sim().truth(), "woo").empty());
  CHECK(compare_books(pr.books, st.sim().truth(), "pulse").empty());
}

TEST_CASE("a wss:// client that trusts a different CA is refused by verification", "[sim][tls]") {
  auto cfg = test_config(41, {"woo"});
  cfg.venue.rate = 10;  // unbounded; stopped by ~SimThread
  SimThread a(cfg);
  SimThread b(cfg);  // a second simulator has its own CA
  WsClient c;
  const std::string err = c.connect(a.sim().url("woo", true), b.sim().ca_path());
  CHECK(err.find("tls handshake") != std::string::npos);
}

TEST_CASE("the truth for a seed is reproducible and differs between seeds", "[sim]") {
  auto run = [](std::uint64_t seed) {
    auto cfg = test_config(seed, {"woo", "pulse"});
    cfg.venue.frames = 3000;
    cfg.venue.symbols = 8;
    cfg.linger_ms = 0;
    cfg.ports["woo"] = cfg.ports["pulse"] = {-1, -1};  // no listeners
    SimThread st(cfg);
    st.join();
    std::string books;
    for (const auto& [venue, syms] : parse_truth(st.sim().truth()))
      for (const auto& [sym, b] : syms) {
        books += venue + " " + sym;
        for (const auto& l : b.bids) books += " " + l.first + "@" + l.second;
        books += " |";
        for (const auto& l : b.asks) books += " " + l.first + "@" + l.second;
        books += "\n";
      }
    return books;
  };
  const std::string a = run(7);
  CHECK(a == run(7));
  CHECK(a != run(8));
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

TEST_CASE("the write observer is called once for each frame a client receives", "[sim]") {
  auto cfg = test_config(53, {"woo"});
  cfg.venue.frames = 600;
  cfg.venue.symbols = 2;
  cfg.venue.wait_subscriptions = 2;
  sim::Simulator simulator(cfg);
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> deltas_written{0};
  simulator.venue("woo")->set_write_observer([&](const sim::SharedFrame& f) {
    written.fetch_add(1);
    if (f->find("@orderbookupdate") != std::string::npos) deltas_written.fetch_add(1);
  });
  std::thread sim_thread([&] { simulator.run(); });
  ClientOptions wo;
  wo.url = simulator.url("woo", false);
  wo.symbols = symbol_names("woo", 2);
  const ClientResult r = run_woo_client(wo);
  sim_thread.join();
  REQUIRE(r.connect_error.empty());
  CHECK(r.c.deltas > 0);
  CHECK(written.load() == r.c.frames);
  CHECK(deltas_written.load() == r.c.deltas);
}
