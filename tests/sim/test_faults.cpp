// Fault knobs fire at their configured rates, protocol clients detect them,
// and the truth keeps what the venue "really" did.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "ref_book.hpp"
#include "sim_thread.hpp"
#include "woo/woo_client.hpp"

using namespace wirebook;
using namespace wirebook::simtest;

namespace {

// |observed - n p| within 5 standard deviations (+1 for tiny n p).
bool within_binomial(std::uint64_t observed, double n, double p) {
  const double sd = std::sqrt(n * p * (1 - p));
  return std::fabs(static_cast<double>(observed) - n * p) <= 5 * sd + 1;
}

// Per-symbol event counts from the truth ("updates").
std::map<std::string, double> updates_per_symbol(const std::string& truth) {
  std::map<std::string, double> out;
  simdjson::dom::parser p;
  std::size_t pos = 0;
  while (pos < truth.size()) {
    const std::size_t end = truth.find('\n', pos);
    const std::string line = truth.substr(pos, end - pos);
    pos = end + 1;
    simdjson::dom::element e = p.parse(line);
    out[std::string(e["symbol"].get_string().value())] =
        static_cast<double>(e["updates"].get_uint64().value());
  }
  return out;
}

// The WOO client on every symbol of `cfg` (the market waits for its
// subscriptions) to the end of the bounded run.
struct WooRun {
  std::unique_ptr<SimThread> st;
  ClientResult r;
};
WooRun run_woo_to_end(sim::SimConfig cfg) {
  const auto syms = symbol_names("woo");
  cfg.venue.wait_subscriptions = syms.size() * 3;
  WooRun run{std::make_unique<SimThread>(std::move(cfg)), {}};
  ClientOptions o;
  o.url = run.st->sim().url("woo", false);
  o.symbols = syms;
  run.r = run_woo_client(o);
  run.st->join();
  return run;
}

}  // namespace

TEST_CASE("each delta fault knob fires at its configured rate, per venue and per symbol",
          "[sim][faults]") {
  const std::uint64_t seed = 51;
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"woo", "pulse"});
  cfg.ports["woo"] = cfg.ports["pulse"] = {-1, -1};
  cfg.venue.frames = 30000;
  cfg.linger_ms = 0;
  const double p = 0.02;
  for (const char* k : {"drop", "dup", "reorder", "corrupt", "truncate", "wrong_type", "oversize"})
    sim::apply_fault_spec(cfg.faults, std::string(k) + "=" + std::to_string(p));
  sim::apply_fault_spec(cfg.faults, "oversize_bytes=4096");
  sim::apply_fault_spec(cfg.faults, "woo:SPOT_BTC_USDT:drop=0.3");  // one symbol of one venue
  sim::apply_fault_spec(cfg.faults, "pulse:stall=0.001");
  sim::apply_fault_spec(cfg.faults, "stall_ms=1");
  SimThread st(cfg);
  st.join();
  const auto woo_updates = updates_per_symbol(st.sim().truth());
  for (const std::string v : {"woo", "pulse"}) {
    INFO("venue " << v);
    const double n = static_cast<double>(st.sim().venue(v)->faults().delta_frames.load());
    CHECK(n == 30000);
    for (const auto k : {sim::FaultKind::dup, sim::FaultKind::corrupt, sim::FaultKind::truncate,
                         sim::FaultKind::wrong_type, sim::FaultKind::oversize}) {
      INFO("kind " << sim::to_string(k) << " injected " << injected(st.sim(), v, k));
      CHECK(within_binomial(injected(st.sim(), v, k), n, p));
    }
    // A reorder is skipped while one is already held for the symbol: rate a bit under p.
    const auto reorders = injected(st.sim(), v, sim::FaultKind::reorder);
    CHECK(reorders <= static_cast<std::uint64_t>(n * p + 5 * std::sqrt(n * p)));
    CHECK(reorders >= static_cast<std::uint64_t>(0.8 * n * p));
  }
  // woo drop: 0.3 on SPOT_BTC_USDT, 0.02 elsewhere.
  double btc = 0, rest = 0;
  for (const auto& [sym, u] : woo_updates)
    if (u > 0 && sym == "SPOT_BTC_USDT") btc = u;
  const double woo_n = static_cast<double>(st.sim().venue("woo")->faults().delta_frames.load());
  rest = woo_n - btc;
  const auto drops = injected(st.sim(), "woo", sim::FaultKind::drop);
  const double expect = btc * 0.3 + rest * p;
  const double sd = std::sqrt(btc * 0.3 * 0.7 + rest * p * (1 - p));
  INFO("woo drops " << drops << " expected " << expect);
  CHECK(std::fabs(static_cast<double>(drops) - expect) <= 5 * sd);
  CHECK(within_binomial(injected(st.sim(), "pulse", sim::FaultKind::drop), 30000, p));
  CHECK(within_binomial(injected(st.sim(), "pulse", sim::FaultKind::stall), 30000, 0.001));
  CHECK(injected(st.sim(), "woo", sim::FaultKind::stall) == 0);
}

TEST_CASE(
    "connection faults: refused connections, HTTP 429, abrupt close, close mid-frame, stall, slow",
    "[sim][faults]") {
  SECTION("the first K connections are refused") {
    auto cfg = test_config(91, {"woo"});
    cfg.venue.rate = 10;
    sim::apply_fault_spec(cfg.faults, "refuse=2");
    SimThread st(cfg);
    int attempts = 0;
    std::string err = "x";
    while (!err.empty() && attempts < 5) {
      WsClient attempt;
      err = attempt.connect(st.sim().url("woo", false), "");
      ++attempts;
    }
    CHECK(attempts == 3);
    CHECK(injected(st.sim(), "woo", sim::FaultKind::refuse) == 2);
  }
  SECTION("HTTP 429 answers the upgrade") {
    auto cfg = test_config(92, {"pulse"});
    cfg.venue.rate = 10;
    sim::apply_fault_spec(cfg.faults, "http429=1");
    SimThread st(cfg);
    WsClient c;
    CHECK(!c.connect(st.sim().url("pulse", true), st.sim().ca_path()).empty());
    CHECK(c.http_status() == 429);
    CHECK(injected(st.sim(), "pulse", sim::FaultKind::http429) == 1);
  }
  SECTION("abrupt TCP close and close mid-frame end the client's stream without a close frame") {
    const char* kind = GENERATE("tcp_close", "mid_frame_close");
    const bool tls = GENERATE(false, true);
    INFO(kind << (tls ? " over wss://" : " over ws://"));
    auto cfg = test_config(93, {"woo"});
    cfg.venue.rate = 2000;
    sim::apply_fault_spec(cfg.faults, std::string(kind) + "=0.02");
    const auto syms = symbol_names("woo");
    cfg.venue.wait_subscriptions = syms.size() * 3;
    SimThread st(cfg);
    ClientOptions o;
    o.url = st.sim().url("woo", tls);
    o.ca_file = st.sim().ca_path();
    o.symbols = syms;
    o.idle_timeout = std::chrono::seconds(20);
    const ClientResult r = run_woo_client(o);
    INFO("end " << r.end);
    CHECK(r.end.rfind("error", 0) == 0);
    CHECK(r.close_code == 0);
    sim::FaultKind k{};
    REQUIRE(sim::fault_from_string(kind, k));
    CHECK(injected(st.sim(), "woo", k) == 1);  // one connection, closed once
  }
  SECTION("a stall stops the venue's data for stall_ms") {
    auto cfg = test_config(94, {"woo"});
    cfg.venue.rate = 200;
    cfg.venue.frames = 400;
    sim::apply_fault_spec(cfg.faults, "stall=0.01");
    sim::apply_fault_spec(cfg.faults, "stall_ms=300");
    const auto [st, r] = run_woo_to_end(cfg);
    const auto stalls = injected(st->sim(), "woo", sim::FaultKind::stall);
    INFO("stalls " << stalls << " max gap " << r.c.max_delta_gap_ms);
    REQUIRE(stalls >= 1);
    CHECK(r.c.max_delta_gap_ms >= 250);
    CHECK(compare_books(r.books, st->sim().truth(), "woo").empty());
  }
  SECTION("a client that stops reading is dropped as a slow consumer") {
    auto cfg = test_config(96, {"woo"});
    cfg.venue.rate = 0;
    cfg.venue.backpressure_bytes = 1U << 30U;  // never pause the market for it
    cfg.venue.max_queue_bytes = 256U << 10U;
    SimThread st(cfg);
    WsClient c;
    REQUIRE(c.connect(st.sim().url("woo", false), "").empty());
    for (const auto& s : symbol_names("woo"))
      c.send(R"({"id":"x","topic":")" + s + R"(@orderbookupdate","event":"subscribe"})");
    sim::Venue* v = st.sim().venue("woo");
    CHECK(wait_for([&] { return v->stats().slow_consumer_drops.load() >= 1; },
                   std::chrono::seconds(60)));
  }
  SECTION("a slow connection answers late") {
    auto cfg = test_config(95, {"woo"});
    cfg.venue.rate = 10;
    sim::apply_fault_spec(cfg.faults, "slow=1");
    sim::apply_fault_spec(cfg.faults, "slow_ms=100");
    SimThread st(cfg);
    WsClient c;
    REQUIRE(c.connect(st.sim().url("woo", false), "").empty());
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(c.send(R"({"event":"ping"})"));
    std::string msg;
    REQUIRE(c.read(msg, std::chrono::seconds(10)) == ReadStatus::ok);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK(msg.find("pong") != std::string::npos);
    CHECK(ms >= 90);  // at least the slow write
    CHECK(injected(st.sim(), "woo", sim::FaultKind::slow) == 1);
  }
}

TEST_CASE(
    "corrupt_level: the chain stays intact, one level near the top is a lot off, the truth "
    "keeps the right size",
    "[sim][faults]") {
  const std::uint64_t seed = 57;
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"woo"});
  cfg.venue.rate = 0;
  cfg.venue.frames = 3000;
  const double p = 0.05;
  sim::apply_fault_spec(cfg.faults, "corrupt_level=" + std::to_string(p));
  const auto [st, r] = run_woo_to_end(cfg);
  const auto corrupted = injected(st->sim(), "woo", sim::FaultKind::corrupt_level);
  const double n = static_cast<double>(st->sim().venue("woo")->faults().delta_frames.load());
  INFO("corrupted " << corrupted << " of " << n << " deltas");
  // Only a delta that changes one of the best kCorruptLevelTop levels of a
  // side can carry it: at most the configured rate.
  CHECK(corrupted >= 1);
  CHECK(corrupted <= static_cast<std::uint64_t>(n * p + 5 * std::sqrt(n * p)));
  // Nothing a client can see on the wire: every delta parsed and chained.
  CHECK(r.c.gaps == 0);
  CHECK(r.c.bad_json == 0);
  CHECK(r.c.bad_types == 0);
  CHECK(r.c.deltas == static_cast<std::uint64_t>(n));
  // Yet the books it built differ from the truth (the last corruptions were
  // not overwritten), while the truth and the venue's snapshots stay right.
  CHECK_FALSE(compare_books(r.books, st->sim().truth(), "woo").empty());
  for (const char* k : {"drop", "dup", "reorder", "corrupt", "truncate", "wrong_type"}) {
    sim::FaultKind kind{};
    REQUIRE(sim::fault_from_string(k, kind));
    CHECK(injected(st->sim(), "woo", kind) == 0);
  }
}
