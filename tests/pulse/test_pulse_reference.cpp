// Pulse reference data (funding_rates.<instr>, deribit_price_index.<index>):
// the `reference` key, the subscriptions on (re)connect and resync, the
// publication into the reference slots, and in process end to end against
// the simulator (real sockets, the real session and feed, a real
// shared-memory segment): the slots hold exactly what the simulator last sent.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "config/url.hpp"
#include "feeds/pulse/module.hpp"
#include "feeds/pulse/pulse_feed.hpp"
#include "pulse_test_util.hpp"
#include "tests/common/reference_rig.hpp"
#include "tests/sim/sim_thread.hpp"
#include "tools/sim/pulse/pulse_venue.hpp"
#include "tools/sim/sim.hpp"

using namespace wirebook;
using namespace wirebook::feeds;
using namespace wirebook::feeds::pulse;
using reftest::boolean;
using reftest::holds_exactly;
using reftest::integer;
using shm::ReferenceField;

namespace {

config::VenueConfig pulse_venue(const std::vector<std::string>& symbols,
                                std::vector<config::KeyField> keys = {}) {
  config::VenueConfig v = reftest::venue_config("pulse", symbols, 10);
  v.options = std::move(keys);
  return v;
}

std::pair<PulseKeys, config::Problems> keys_of(const config::VenueConfig& v) {
  config::Problems problems;
  config::TableReader r(v.options, "venue 'pulse'", problems);
  PulseKeys k = read_keys(r, v);
  return {k, problems};
}

const std::vector<std::string> kSyms = {"BTC_USD-PERPETUAL", "ETH_USD-PERPETUAL", "BTC_USD-27MAR26",
                                        "NVDA_USDC-PERPETUAL"};
const char* kRefSubscribe =
    R"("method":"public/subscribe","params":{"channels":["funding_rates.BTC_USD-PERPETUAL",)"
    R"("funding_rates.ETH_USD-PERPETUAL","funding_rates.BTC_USD-27MAR26",)"
    R"("funding_rates.NVDA_USDC-PERPETUAL","deribit_price_index.btc_usd",)"
    R"("deribit_price_index.eth_usd","deribit_price_index.nvda_usdc"]})";

struct Rig {
  explicit Rig(bool reference = true)
      : books(specs(), 1000, 16, nullptr), feed(books, out, opt(reference)) {
    feed.on_connected(now);
  }
  static PulseOptions opt(bool reference) {
    PulseOptions o;
    o.reference = reference;
    return o;
  }
  static std::vector<InstrumentSpec> specs() {
    std::vector<InstrumentSpec> v;
    for (const auto& s : kSyms) v.push_back({s, -1, 0});
    return v;
  }
  void frame(const std::string& text) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(text, len, cap);
    now += 1'000'000;
    (void)feed.on_frame(d, len, cap, 1'700'000'000'000'000'000 + now, now);
  }
  void note(const std::string& channel, const std::string& data) {
    frame(R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":")" + channel +
          R"(","data":)" + data + "}}");
  }
  const shm::Reference& ref(std::uint32_t i) const { return books.references().current(i); }
  std::int64_t now = 1'000'000'000;
  pulse_test::Frames frames;
  pulse_test::RecordingOutbox out;
  VenueBooks books;
  PulseFeed feed;
};

}  // namespace

TEST_CASE("reference is a boolean key, default false", "[pulse][reference][config]") {
  CHECK_FALSE(keys_of(pulse_venue(kSyms)).first.reference);
  CHECK(keys_of(pulse_venue(kSyms, {{"reference", boolean(true)}})).first.reference);
  const auto [k, problems] = keys_of(pulse_venue(kSyms, {{"reference", integer(1)}}));
  CHECK_FALSE(k.reference);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("reference") != std::string::npos);
  CHECK(problems[0].find("boolean") != std::string::npos);
  CHECK(std::find(kModule.rules.keys.begin(), kModule.rules.keys.end(), "reference") !=
        kModule.rules.keys.end());
}

TEST_CASE("an instrument's index is its name before '-', lower case", "[pulse][reference]") {
  CHECK(index_of("BTC_USD-PERPETUAL") == "btc_usd");
  CHECK(index_of("NVDA_USDC-PERPETUAL") == "nvda_usdc");
  CHECK(index_of("BTC_USD-27MAR26") == "btc_usd");
  CHECK(index_of("BTCUSD").empty());
  CHECK(index_of("-X").empty());
}

TEST_CASE("with reference, connecting subscribes funding per instrument and each index once",
          "[pulse][reference][feed]") {
  Rig r;
  CHECK(r.feed.indexes() == std::vector<std::string>{"btc_usd", "eth_usd", "nvda_usdc"});
  CHECK(r.out.count(kRefSubscribe) == 1);
  CHECK(r.out.count("book.BTC_USD-PERPETUAL.raw") == 1);
  // A resync by unsubscribe_all (the document's way) subscribes them again.
  r.frame(R"({"jsonrpc":"2.0","id":200000,"error":{"code":4,"message":"unknown method"}})");
  REQUIRE(r.feed.unsubscribe_refused());
  CHECK(r.out.count("public/unsubscribe_all") == 1);
  CHECK(r.out.count(kRefSubscribe) == 2);
  // A per-instrument resync leaves them alone.
  Rig d;
  d.out.sent.clear();
  d.feed.request_snapshot(0, d.now, 1);
  CHECK(d.out.count("funding_rates") == 0);
  // A reconnect subscribes them again.
  d.feed.on_disconnected(d.now);
  d.feed.on_connected(d.now);
  CHECK(d.out.count(kRefSubscribe) == 1);
}

TEST_CASE("without reference nothing of it is subscribed", "[pulse][reference][feed]") {
  Rig r(false);
  CHECK(r.out.count("funding_rates") == 0);
  CHECK(r.out.count("deribit_price_index") == 0);
}

TEST_CASE("a funding rate goes to its instrument, an index price to every instrument on it",
          "[pulse][reference][feed]") {
  Rig r;
  // The document's example notifications.
  r.note("funding_rates.BTC_USD-PERPETUAL",
         R"({"instrument_name":"BTC_USD-PERPETUAL","range_end":1612141200,)"
         R"("range_start":1612137600,"rate":"0.01"})");
  CHECK(holds_exactly(r.ref(0), ReferenceField::funding_rate, "0.01"));
  CHECK_FALSE(r.ref(0).has(ReferenceField::next_funding_time));  // range_end is not mapped
  CHECK(r.ref(0).ts_exchange_ns == 0);
  CHECK(r.ref(2).known == 0);
  r.note("deribit_price_index.btc_usd",
         R"({"index_name":"BTC_USD-PERPETUAL","price":50000,"timestamp":1612137600})");
  for (std::uint32_t i : {0U, 2U}) {
    INFO(i);
    CHECK(holds_exactly(r.ref(i), ReferenceField::index_price, "50000"));
    CHECK(r.ref(i).ts_exchange_ns == 1'612'137'600'000'000);  // ms, as every Pulse timestamp
  }
  CHECK(holds_exactly(r.ref(0), ReferenceField::funding_rate, "0.01"));  // kept
  CHECK(r.ref(1).known == 0);
  CHECK(r.ref(3).known == 0);
  r.note("deribit_price_index.nvda_usdc", R"({"price":228.515,"timestamp":1700000000123})");
  CHECK(holds_exactly(r.ref(3), ReferenceField::index_price, "228.515"));
  r.note("funding_rates.ETH_USD-PERPETUAL", R"({"rate":"-0.00012345","timestamp":1700000000000})");
  CHECK(holds_exactly(r.ref(1), ReferenceField::funding_rate, "-0.00012345"));
  CHECK(r.ref(1).ts_exchange_ns == 1'700'000'000'000'000'000);
  CHECK(r.books.counters().references == 5);
  CHECK(r.books.counters().malformed == 0);
  CHECK(r.books.counters().unexpected == 0);
}

TEST_CASE("bad values, unknown instruments and indexes publish nothing",
          "[pulse][reference][feed]") {
  Rig r;
  r.note("funding_rates.BTC_USD-PERPETUAL", R"({"rate":"0.01"})");
  REQUIRE(r.books.counters().references == 1);
  const std::uint64_t malformed = r.books.counters().malformed;
  r.note("funding_rates.BTC_USD-PERPETUAL", R"({"rate":"1%"})");
  r.note("funding_rates.BTC_USD-PERPETUAL", R"({"rate":true})");
  r.note("deribit_price_index.btc_usd", R"({"price":"abc","timestamp":1})");
  r.note("deribit_price_index.btc_usd", R"({"price":null,"timestamp":1})");
  CHECK(r.books.counters().malformed == malformed + 4);
  CHECK(r.books.counters().references == 1);
  CHECK(holds_exactly(r.ref(0), ReferenceField::funding_rate, "0.01"));
  CHECK_FALSE(r.ref(0).has(ReferenceField::index_price));
  const std::uint64_t unexpected = r.books.counters().unexpected;
  r.note("funding_rates.SOL_USD-PERPETUAL", R"({"rate":"0.01"})");
  r.note("deribit_price_index.sol_usd", R"({"price":145,"timestamp":1})");
  CHECK(r.books.counters().unexpected == unexpected + 2);
  CHECK(r.books.counters().references == 1);
}

namespace {

struct E2eResult : reftest::BoundedRun {
  std::vector<std::optional<sim::PulseReferenceSent>> sent;  // per symbol
};

E2eResult run_e2e(bool reference) {
  constexpr std::size_t kSymbols = 4;  // BTC_USD, ETH_USD, NVDA_USDC, SOL_USDC: four indexes
  sim::SimConfig cfg = simtest::test_config(21, {"pulse"});
  cfg.venue.frames = 1500;
  cfg.venue.symbols = kSymbols;
  // Book channels, then (reference) funding per symbol and the four indexes.
  cfg.venue.wait_subscriptions = reference ? 3 * kSymbols : kSymbols;
  cfg.linger_ms = 1500;  // the reference pushes go on meanwhile
  cfg.options["pulse"]["ref_ms"] = "40";
  sim::Simulator simulator(cfg);

  reftest::VenueSegment seg("pulse", reftest::sim_specs("pulse", kSymbols), "pulseref");
  config::VenueConfig venue = pulse_venue(
      seg.names(), reference ? std::vector<config::KeyField>{{"reference", boolean(true)}}
                             : std::vector<config::KeyField>{});
  REQUIRE_FALSE(config::parse_url(simulator.url("pulse", false), venue.endpoint));
  SessionOptions wo = reftest::session_options(venue, "ws");
  wo.seed = 21;

  E2eResult r{reftest::run_and_read(simulator, kModule, venue, seg, wo), {}};
  for (std::size_t i = 0; i < kSymbols; ++i) {
    r.sent.push_back(sim::pulse_reference_sent(*simulator.venue("pulse"), i));
  }
  return r;
}

}  // namespace

TEST_CASE("e2e: with reference = true the slots hold the simulator's last funding and index",
          "[pulse][reference][e2e]") {
  const E2eResult r = run_e2e(true);
  CHECK(r.malformed == 0);
  for (std::size_t i = 0; i < r.slots.size(); ++i) {
    INFO("symbol " << i);
    REQUIRE(r.sent[i].has_value());
    const sim::PulseReferenceSent& s = *r.sent[i];
    REQUIRE(s.funding_pushes >= 2);
    REQUIRE(s.index_pushes >= 2);
    REQUIRE(r.reads[i] == shm::ReadResult::ok);
    const shm::Reference& slot = r.slots[i];
    INFO("sent funding " << s.funding_rate << " index " << s.index_price);
    CHECK(holds_exactly(slot, ReferenceField::funding_rate, s.funding_rate));
    CHECK(holds_exactly(slot, ReferenceField::index_price, s.index_price));
    CHECK_FALSE(slot.has(ReferenceField::mark_price));
    CHECK_FALSE(slot.has(ReferenceField::next_funding_time));
    CHECK_FALSE(slot.has(ReferenceField::open_interest));
    // The index goes after the funding rates in each push: its timestamp is the slot's.
    CHECK(slot.ts_exchange_ns == s.index_ts_ms * 1'000'000);
    // One connection, every notification sent was published (one index per symbol here).
    CHECK(slot.update_count == s.funding_pushes + s.index_pushes);
  }
}

TEST_CASE("e2e: with reference off nothing is subscribed and the slots stay empty",
          "[pulse][reference][e2e]") {
  const E2eResult r = run_e2e(false);
  for (const auto& f : r.frames) {
    CHECK(f.find("funding_rates") == std::string::npos);
    CHECK(f.find("deribit_price_index") == std::string::npos);
  }
  for (std::size_t i = 0; i < r.slots.size(); ++i) {
    INFO("symbol " << i);
    REQUIRE(r.sent[i].has_value());
    CHECK(r.sent[i]->funding_pushes == 0);
    CHECK(r.sent[i]->index_pushes == 0);
    CHECK(r.reads[i] == shm::ReadResult::empty);
    CHECK(r.slots[i].known == 0);
  }
}
