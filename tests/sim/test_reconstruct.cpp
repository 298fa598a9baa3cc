// Books rebuilt from the simulator's own frames, by an independent path
// (simdjson + std::map + exact decimal text), equal the simulator's truth.
#include <catch2/catch.hpp>

#include "ref_book.hpp"
#include "sim_thread.hpp"
#include "venue_clients.hpp"

using namespace wirebook;
using namespace wirebook::simtest;

namespace {

std::vector<std::string> names(const std::vector<sim::SymbolSpec>& specs) {
  std::vector<std::string> out;
  for (const auto& s : specs) out.push_back(s.name);
  return out;
}

}  // namespace

TEST_CASE(
    "a WOO client that aligns request snapshots on data.ts rebuilds the true books over ws://",
    "[sim][woo]") {
  const std::uint64_t seed = GENERATE(11U, 12U);
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"woo"});
  cfg.venue.frames = 4000;
  const auto syms = sim::venue_symbols("woo", 0);
  cfg.venue.wait_subscriptions = syms.size() * 3;  // @orderbookupdate, @bbo, @trade per symbol
  SimThread st(cfg);
  ClientOptions o;
  o.url = st.sim().url("woo", false);
  o.symbols = names(syms);
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
  const auto syms = sim::venue_symbols("pulse", 0);
  cfg.venue.wait_subscriptions = syms.size() * 3;
  SimThread st(cfg);
  ClientOptions o;
  o.url = st.sim().url("pulse", false);
  o.symbols = names(syms);
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
  std::vector<std::string> woo_syms = names(sim::venue_symbols("woo", 3));
  std::vector<std::string> pulse_syms = names(sim::venue_symbols("pulse", 3));
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
