// O2 reference data (mark_price, funding): the `reference` key, the feed's
// publication into the market's reference slot, and in process end to end
// against the simulator (real sockets, the real session and feed, a real
// shared-memory segment): the slots hold exactly what the simulator last sent.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "config/url.hpp"
#include "feeds/o2/module.hpp"
#include "feeds/o2/o2_feed.hpp"
#include "o2_test_util.hpp"
#include "tests/common/reference_rig.hpp"
#include "tests/sim/sim_thread.hpp"
#include "tools/sim/o2/o2_venue.hpp"
#include "tools/sim/sim.hpp"

using namespace wirebook;
using namespace wirebook::feeds;
using namespace wirebook::feeds::o2;
using reftest::boolean;
using reftest::holds_exactly;
using reftest::integer;
using reftest::text;
using shm::ReferenceField;

namespace {

// An o2 venue with `symbols` (market ids 1, 2, ...) and extra module keys.
config::VenueConfig o2_venue(const std::vector<std::string>& symbols,
                             std::vector<config::KeyField> keys = {}) {
  config::VenueConfig v = reftest::venue_config("o2", symbols, 10);
  config::KeyValue ids;
  ids.type = config::KeyValue::Type::table;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    ids.fields.push_back({symbols[i], integer(static_cast<std::int64_t>(i) + 1)});
  }
  v.options.push_back({"market_ids", ids});
  for (auto& k : keys) v.options.push_back(std::move(k));
  return v;
}

std::pair<O2Keys, config::Problems> keys_of(const config::VenueConfig& v) {
  config::Problems problems;
  config::TableReader r(v.options, "venue 'o2'", problems);
  O2Keys k = read_keys(r, v);
  return {k, problems};
}

struct Rig {
  explicit Rig(O2Options o = {}) : books(specs(), 1000, 256, nullptr), feed(books, out, ids(o)) {
    feed.on_connected(now);
  }
  static std::vector<InstrumentSpec> specs() { return {{"BTC-USD", -1, -3}, {"ETH-USD", -2, -3}}; }
  static O2Options ids(O2Options o) {
    o.market_ids = {1, 2};
    return o;
  }
  void frame(const std::string& t) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(t, len, cap);
    now += 1'000'000;
    (void)feed.on_frame(d, len, cap, 1'700'000'000'000'000'000 + now, now);
  }
  const shm::Reference& ref(std::uint32_t i) const { return books.references().current(i); }
  std::int64_t now = 1'000'000'000'000;
  o2_test::Frames frames;
  o2_test::RecordingOutbox out;
  VenueBooks books;
  O2Feed feed;
};

}  // namespace

TEST_CASE("reference = true subscribes mark_price and funding, default false subscribes neither",
          "[o2][reference][config]") {
  const std::vector<std::string> syms{"BTC-USD", "ETH-USD"};
  {
    const auto [k, problems] = keys_of(o2_venue(syms));
    CHECK(problems.empty());
    CHECK_FALSE(k.mark_price);
    CHECK_FALSE(k.funding);
  }
  {
    const auto [k, problems] = keys_of(o2_venue(syms, {{"reference", boolean(true)}}));
    CHECK(problems.empty());
    CHECK(k.mark_price);
    CHECK(k.funding);
    CHECK_FALSE(k.trades);
  }
  {
    const auto [k, problems] = keys_of(o2_venue(syms, {{"reference", boolean(false)}}));
    CHECK(problems.empty());
    CHECK_FALSE(k.mark_price);
  }
  {
    const auto [k, problems] = keys_of(o2_venue(syms, {{"reference", text("yes")}}));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].find("reference") != std::string::npos);
    CHECK(problems[0].find("boolean") != std::string::npos);
    CHECK_FALSE(k.mark_price);
  }
  CHECK(std::find(kModule.rules.keys.begin(), kModule.rules.keys.end(), "reference") !=
        kModule.rules.keys.end());
}

TEST_CASE("reference and channels naming mark_price and funding subscribe each once",
          "[o2][reference][config]") {
  const std::vector<std::string> syms{"BTC-USD", "ETH-USD"};
  config::KeyValue chans;
  chans.type = config::KeyValue::Type::array;
  chans.items = {text("mark_price"), text("funding")};
  const config::VenueConfig v = o2_venue(syms, {{"channels", chans}, {"reference", boolean(true)}});
  VenueBooks books({{"BTC-USD", -1, -3}, {"ETH-USD", -2, -3}}, 1000, 256, nullptr);
  o2_test::RecordingOutbox out;
  auto feed = kModule.make_feed(FeedContext{v, books, out, {}});
  feed->on_open(1);
  for (const char* ch : {"mark_price", "funding"}) {
    for (int id : {1, 2}) {
      CHECK(out.count(R"({"type":"subscribe","channel":")" + std::string(ch) + R"(","market_id":)" +
                      std::to_string(id) + "}") == 1);
    }
  }
  CHECK(out.sent.size() == 6);  // and order_book per market
}

TEST_CASE("mark_price and funding frames publish into the market's reference slot",
          "[o2][reference][feed]") {
  Rig r;
  r.frame(R"({"channel":"mark_price","market_id":2,"ts":1700000000123,)"
          R"("data":{"mark_price":"3012.345"}})");
  CHECK(r.books.counters().references == 1);
  CHECK(r.ref(0).known == 0);  // market 1 untouched
  CHECK(holds_exactly(r.ref(1), ReferenceField::mark_price, "3012.345"));
  CHECK_FALSE(r.ref(1).has(ReferenceField::funding_rate));
  CHECK(r.ref(1).ts_exchange_ns == 1'700'000'000'123'000'000);
  // The alias `rate`, a negative number; the mark is kept.
  r.frame(R"({"channel":"funding","market_id":2,"data":{"rate":-0.0000125,"ts":1700000001000}})");
  CHECK(r.books.counters().references == 2);
  CHECK(holds_exactly(r.ref(1), ReferenceField::funding_rate, "-0.0000125"));
  CHECK(holds_exactly(r.ref(1), ReferenceField::mark_price, "3012.345"));
  CHECK(r.ref(1).ts_exchange_ns == 1'700'000'001'000'000'000);
  // The `price` alias of mark_price, on market 1.
  r.frame(R"({"channel":"mark_price","market_id":1,"ts":1700000002000,"data":{"price":56749.55}})");
  CHECK(holds_exactly(r.ref(0), ReferenceField::mark_price, "56749.55"));
  CHECK(r.feed.o2_counters().mark_prices == 2);
  CHECK(r.feed.o2_counters().fundings == 1);
  CHECK(r.books.counters().malformed == 0);
}

TEST_CASE("bad reference values and unknown markets publish nothing", "[o2][reference][feed]") {
  Rig r;
  r.frame(R"({"channel":"mark_price","market_id":1,"ts":1,"data":{"mark_price":"1.5"}})");
  REQUIRE(r.books.counters().references == 1);
  const std::uint64_t malformed = r.books.counters().malformed;
  // Wrong types and non-decimals: malformed, counted, the slot keeps 1.5.
  for (const char* f : {
           R"({"channel":"mark_price","market_id":1,"data":{"mark_price":true}})",
           R"({"channel":"mark_price","market_id":1,"data":{"mark_price":null}})",
           R"({"channel":"mark_price","market_id":1,"data":{"mark_price":{"v":"2"}}})",
           R"({"channel":"mark_price","market_id":1,"data":{"mark_price":"abc"}})",
           R"({"channel":"mark_price","market_id":1,"data":{"mark_price":""}})",
           R"({"channel":"mark_price","market_id":1,"ts":"soon","data":{"mark_price":"2"}})",
           R"({"channel":"funding","market_id":1,"data":{"funding_rate":[1]}})",
           R"({"channel":"funding","market_id":1,"data":{"funding_rate":"0.01%"}})",
           R"({"channel":"funding","market_id":1,"data":{}})",
       }) {
    INFO(f);
    r.frame(f);
  }
  CHECK(r.books.counters().malformed == malformed + 9);
  CHECK(r.books.counters().references == 1);
  CHECK(holds_exactly(r.ref(0), ReferenceField::mark_price, "1.5"));
  CHECK_FALSE(r.ref(0).has(ReferenceField::funding_rate));
  // A market we did not configure: dropped, counted.
  r.frame(R"({"channel":"funding","market_id":9,"data":{"funding_rate":"0.0001"}})");
  CHECK(r.feed.o2_counters().unknown_market == 1);
  CHECK(r.books.counters().references == 1);
}

namespace {

// The simulator's o2 venue and the real feed over loopback, publishing into a
// shared-memory segment in a temporary directory.
struct E2eResult : reftest::BoundedRun {
  std::vector<std::optional<sim::O2ReferenceSent>> sent;  // per symbol
};

E2eResult run_e2e(bool reference) {
  constexpr std::size_t kSymbols = 3;
  sim::SimConfig cfg = simtest::test_config(21, {"o2"});
  cfg.venue.frames = 1500;
  cfg.venue.symbols = kSymbols;
  cfg.venue.wait_subscriptions = reference ? 3 * kSymbols : kSymbols;
  cfg.linger_ms = 1500;  // the reference pushes go on meanwhile
  cfg.options["o2"]["mark_ms"] = "40";
  sim::Simulator simulator(cfg);

  reftest::VenueSegment seg("o2", reftest::sim_specs("o2", kSymbols), "o2ref");
  config::VenueConfig venue =
      o2_venue(seg.names(), reference ? std::vector<config::KeyField>{{"reference", boolean(true)}}
                                      : std::vector<config::KeyField>{});
  REQUIRE_FALSE(config::parse_url(simulator.url("o2", false), venue.endpoint));
  SessionOptions wo = reftest::session_options(venue, "ws");
  wo.seed = 21;

  E2eResult r{reftest::run_and_read(simulator, kModule, venue, seg, wo), {}};
  for (std::size_t i = 0; i < kSymbols; ++i) {
    r.sent.push_back(sim::o2_reference_sent(*simulator.venue("o2"), i));
  }
  return r;
}

}  // namespace

TEST_CASE("e2e: with reference = true the slots hold the simulator's last mark and funding",
          "[o2][reference][e2e]") {
  const E2eResult r = run_e2e(true);
  CHECK(r.malformed == 0);
  for (std::size_t i = 0; i < r.slots.size(); ++i) {
    INFO("symbol " << i);
    REQUIRE(r.sent[i].has_value());
    const sim::O2ReferenceSent& s = *r.sent[i];
    REQUIRE(s.mark_pushes >= 2);
    REQUIRE(s.funding_pushes >= 2);
    REQUIRE(r.reads[i] == shm::ReadResult::ok);
    const shm::Reference& slot = r.slots[i];
    INFO("sent mark " << s.mark_price << " funding " << s.funding_rate);
    CHECK(holds_exactly(slot, ReferenceField::mark_price, s.mark_price));
    CHECK(holds_exactly(slot, ReferenceField::funding_rate, s.funding_rate));
    CHECK_FALSE(slot.has(ReferenceField::index_price));
    CHECK_FALSE(slot.has(ReferenceField::next_funding_time));
    CHECK_FALSE(slot.has(ReferenceField::open_interest));
    // Funding goes after the mark in each push: its ts is the slot's.
    CHECK(slot.ts_exchange_ns == s.funding_ts_ms * 1'000'000);
    // One connection, every frame sent was published.
    CHECK(slot.update_count == s.mark_pushes + s.funding_pushes);
  }
}

TEST_CASE("e2e: with reference off nothing is subscribed and the slots stay empty",
          "[o2][reference][e2e]") {
  const E2eResult r = run_e2e(false);
  for (const auto& f : r.frames) {
    CHECK(f.find("mark_price") == std::string::npos);
    CHECK(f.find("funding") == std::string::npos);
  }
  for (std::size_t i = 0; i < r.slots.size(); ++i) {
    INFO("symbol " << i);
    REQUIRE(r.sent[i].has_value());
    CHECK(r.sent[i]->mark_pushes == 0);
    CHECK(r.sent[i]->funding_pushes == 0);
    CHECK(r.reads[i] == shm::ReadResult::empty);
    CHECK(r.slots[i].known == 0);
  }
}
