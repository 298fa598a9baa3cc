// WOO reference data (reference = true; refdata_spec §1, §2): which topics
// are subscribed (v2 one frame each, v3 in the book topics' batches, the v3
// index keyed by the spot symbol and fanned out to every book on that
// underlying), refusals that never touch a book, the config key and the v3
// topic budget; and end to end against the simulator (loopback sockets, the
// real session and a shared-memory segment) with exact values in the slots.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <wirebook/reader.hpp>

#include "config/url.hpp"
#include "feeds/common/exact_field.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/woo/module.hpp"
#include "feeds/woo/woo_feed.hpp"
#include "tests/common/reference_rig.hpp"
#include "tests/sim/sim_thread.hpp"
#include "tools/sim/sim.hpp"
#include "tools/sim/woo/woo_venue.hpp"
#include "woo_test_util.hpp"

using namespace wirebook;
using namespace wirebook::feeds;
using namespace wirebook::feeds::woo;
using shm::ReferenceField;
using woo_test::Rig;

namespace {

WooOptions ref_options(Protocol protocol) {
  WooOptions o = woo_test::v3_options();
  o.protocol = protocol;
  o.reference = true;
  return o;
}

std::vector<std::string> sent_with(const Rig& r, const std::string& needle) {
  std::vector<std::string> v;
  for (const auto& s : r.out.sent) {
    if (s.find(needle) != std::string::npos) v.push_back(s);
  }
  return v;
}

// Whether field f of book i's merged reference is exactly `text` (value and exponent).
bool holds(const Rig& r, std::uint32_t i, ReferenceField f, const std::string& text) {
  const shm::Reference& ref = r.books.references().current(i);
  std::int64_t v = 0;
  std::int8_t e = 0;
  REQUIRE(exact_field(text, v, e));
  return ref.has(f) && ref.raw(f) == v && ref.exponent(f) == e;
}

}  // namespace

TEST_CASE("v3 reference: derivative topics per symbol, the index once per underlying",
          "[woo][reference][v3]") {
  Rig r({"PERP_BTC_USDT", "SPOT_BTC_USDT", "SPOT_ETH_USDT"}, ref_options(Protocol::v3));
  std::string all;
  for (const auto& s : r.out.sent) all += s;
  CHECK(all.find("\"markprice@PERP_BTC_USDT\"") != std::string::npos);
  CHECK(all.find("\"estfundingrate@PERP_BTC_USDT\"") != std::string::npos);
  CHECK(all.find("\"openinterest@PERP_BTC_USDT\"") != std::string::npos);
  CHECK(r.out.count("indexprice@SPOT_BTC_USDT") == 1);
  CHECK(r.out.count("indexprice@SPOT_ETH_USDT") == 1);
  CHECK(r.out.count("indexprice@PERP_") == 0);  // the venue refuses it (refdata_spec §2)
  CHECK(r.out.count("markprice@SPOT_") == 0);
  CHECK(r.out.count("openinterest@SPOT_") == 0);
  // 3 books + 5 reference topics: two batches of at most 10, books first.
  REQUIRE(r.out.sent.size() == 1);
  CHECK(v3_reference_topics({"PERP_BTC_USDT", "SPOT_BTC_USDT", "SPOT_ETH_USDT"}).size() == 5);
  // Every book asked for its REST book once its topic was acked.
  CHECK(r.rest.gets.size() == 3);
}

TEST_CASE("v3 reference: values and data.ts go into the slots, the index to both BTC books",
          "[woo][reference][v3]") {
  Rig r({"PERP_BTC_USDT", "SPOT_BTC_USDT", "SPOT_ETH_USDT"}, ref_options(Protocol::v3));
  r.frame(
      R"({"topic":"markprice@PERP_BTC_USDT","ts":1790137719016,"data":{"ts":1790137719004,"px":"87081","s":"PERP_BTC_USDT"}})");
  r.frame(
      R"({"topic":"indexprice@SPOT_BTC_USDT","ts":1790137719018,"data":{"ts":1790137719008,"px":"87127.5","s":"SPOT_BTC_USDT"}})");
  r.frame(
      R"({"topic":"estfundingrate@PERP_BTC_USDT","ts":1790137739007,"data":{"ts":1790137739001,"ft":1790150400000,"s":"PERP_BTC_USDT","r":"-0.00004326"}})");
  r.frame(
      R"({"topic":"openinterest@PERP_BTC_USDT","ts":1790137739010,"data":{"ts":1790137739002,"oi":"936.37","s":"PERP_BTC_USDT"}})");
  CHECK(holds(r, 0, ReferenceField::mark_price, "87081"));
  CHECK(holds(r, 0, ReferenceField::index_price, "87127.5"));
  CHECK(holds(r, 0, ReferenceField::funding_rate, "-0.00004326"));
  CHECK(holds(r, 0, ReferenceField::open_interest, "936.37"));
  const shm::Reference& perp = r.books.references().current(0);
  REQUIRE(perp.has(ReferenceField::next_funding_time));
  CHECK(perp.raw(ReferenceField::next_funding_time) == 1790150400000LL * 1'000'000);
  CHECK(perp.ts_exchange_ns == 1790137739002LL * 1'000'000);  // data.ts of the last
  // The spot book has the index only; ETH nothing.
  CHECK(holds(r, 1, ReferenceField::index_price, "87127.5"));
  CHECK_FALSE(r.books.references().current(1).has(ReferenceField::mark_price));
  CHECK(r.books.references().current(2).known == 0);
  CHECK(r.feed.reference_counters().published == 5);
  // No book for it: dropped and counted.
  r.frame(
      R"({"topic":"markprice@PERP_ETH_USDT","ts":2,"data":{"ts":1,"px":"1","s":"PERP_ETH_USDT"}})");
  CHECK(r.feed.reference_counters().unmatched == 1);
  // A bad decimal rejects the update: counted malformed, the slot unchanged.
  const auto malformed = r.books.counters().malformed.load();
  r.frame(
      R"({"topic":"markprice@PERP_BTC_USDT","ts":3,"data":{"ts":2,"px":"87x","s":"PERP_BTC_USDT"}})");
  CHECK(r.feed.reference_counters().rejected == 1);
  CHECK(r.books.counters().malformed.load() == malformed + 1);
  CHECK(holds(r, 0, ReferenceField::mark_price, "87081"));
  // A wrong-typed value is malformed at the parser: nothing published.
  r.frame(
      R"({"topic":"markprice@PERP_BTC_USDT","ts":4,"data":{"ts":3,"px":5,"s":"PERP_BTC_USDT"}})");
  CHECK(r.books.counters().malformed.load() == malformed + 2);
  CHECK(holds(r, 0, ReferenceField::mark_price, "87081"));
  CHECK(r.feed.reference_counters().published == 5);
}

TEST_CASE("v3 reference: a refused reference topic is counted and never touches a book",
          "[woo][reference][v3]") {
  Rig r({"PERP_BTC_USDT"}, ref_options(Protocol::v3), /*ack=*/false);
  REQUIRE(r.out.sent.size() == 1);
  // The venue takes the book topic and mark, and leaves the rest out.
  r.frame(
      R"({"id":"s0","cmd":"SUBSCRIBE","success":true,"time":1,"data":["orderbookupdate@PERP_BTC_USDT@50","markprice@PERP_BTC_USDT"]})");
  CHECK(r.feed.reference_counters().refused_topics == 3);
  CHECK(r.gets_for("PERP_BTC_USDT") == 1);  // the book goes on
  r.delta("PERP_BTC_USDT", 90, 100, R"([["10.00","2"]])");
  r.rest_reply(0, 100, R"([{"price":"10.00","quantity":"2"}])", "[]");
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("v2 reference: one subscribe frame per topic with its own id; a refusal is counted",
          "[woo][reference]") {
  Rig r({"PERP_BTC_USDT", "SPOT_ETH_USDT"}, ref_options(Protocol::v2), /*ack=*/false);
  CHECK(sent_with(r, R"("id":"m0","topic":"PERP_BTC_USDT@markprice")").size() == 1);
  CHECK(sent_with(r, R"("id":"f0","topic":"PERP_BTC_USDT@estfundingrate")").size() == 1);
  CHECK(sent_with(r, R"("id":"o0","topic":"PERP_BTC_USDT@openinterest")").size() == 1);
  CHECK(sent_with(r, R"("id":"x0","topic":"PERP_BTC_USDT@indexprice")").size() == 1);
  CHECK(sent_with(r, R"("id":"x1","topic":"SPOT_ETH_USDT@indexprice")").size() == 1);
  CHECK(sent_with(r, "SPOT_ETH_USDT@markprice").empty());
  r.frame(R"({"id":"m0","event":"subscribe","success":false,"errorMsg":"no such topic"})");
  CHECK(r.feed.reference_counters().refused_topics == 1);
  CHECK(r.books.status(0) != BookStatus::live);  // untouched: still waiting for its book
  r.frame(
      R"({"topic":"PERP_BTC_USDT@orderbookupdate","ts":100,"data":{"symbol":"PERP_BTC_USDT","prevTs":90,"asks":[],"bids":[[10.00,2]]}})");
  r.frame(
      R"({"id":"r0","event":"request","success":true,"ts":101,"data":{"symbol":"PERP_BTC_USDT","ts":90,"asks":[],"bids":[]}})");
  CHECK(r.books.status(0) == BookStatus::live);
}

TEST_CASE("v2 reference: number text is published exactly, the envelope ts is the time",
          "[woo][reference]") {
  Rig r({"PERP_BTC_USDT", "SPOT_ETH_USDT"}, ref_options(Protocol::v2), /*ack=*/false);
  r.frame(
      R"({"topic":"PERP_BTC_USDT@markprice","ts":1618820361552,"data":{"symbol":"PERP_BTC_USDT","price":51234.13}})");
  r.frame(
      R"({"topic":"PERP_BTC_USDT@estfundingrate","ts":1618820361553,"data":{"symbol":"PERP_BTC_USDT","fundingRate":-0.000012,"fundingTs":1618820361552}})");
  r.frame(
      R"({"topic":"PERP_BTC_USDT@openinterest","ts":1618820361554,"data":{"symbol":"PERP_BTC_USDT","openInterest":1.27988}})");
  r.frame(
      R"({"topic":"SPOT_ETH_USDT@indexprice","ts":1618820361555,"data":{"symbol":"SPOT_ETH_USDT","price":3987.1}})");
  CHECK(holds(r, 0, ReferenceField::mark_price, "51234.13"));
  CHECK(holds(r, 0, ReferenceField::funding_rate, "-0.000012"));
  CHECK(holds(r, 0, ReferenceField::open_interest, "1.27988"));
  const shm::Reference& perp = r.books.references().current(0);
  CHECK_FALSE(perp.has(ReferenceField::next_funding_time));  // fundingTs is not it
  CHECK(perp.ts_exchange_ns == 1618820361554LL * 1'000'000);
  CHECK(holds(r, 1, ReferenceField::index_price, "3987.1"));
  CHECK(r.feed.reference_counters().published == 4);
}

TEST_CASE("reference off: nothing more is subscribed and reference frames are unexpected",
          "[woo][reference]") {
  for (const Protocol p : {Protocol::v2, Protocol::v3}) {
    WooOptions o = ref_options(p);
    o.reference = false;
    Rig r({"PERP_BTC_USDT", "SPOT_BTC_USDT"}, o, p == Protocol::v3);
    for (const char* t : {"markprice", "indexprice", "estfundingrate", "openinterest"}) {
      CHECK(r.out.count(t) == 0);
    }
    const auto unexpected = r.books.counters().unexpected.load();
    r.frame(
        p == Protocol::v3
            ? R"({"topic":"markprice@PERP_BTC_USDT","ts":2,"data":{"ts":1,"px":"1","s":"PERP_BTC_USDT"}})"
            : R"({"topic":"PERP_BTC_USDT@markprice","ts":2,"data":{"symbol":"PERP_BTC_USDT","price":1}})");
    CHECK(r.books.counters().unexpected.load() == unexpected + 1);
    CHECK(r.books.references().current(0).known == 0);
  }
}

// ---- config -------------------------------------------------------------------

namespace {

config::VenueConfig woo_venue(const std::vector<std::string>& symbols, bool v3) {
  config::VenueConfig v = reftest::venue_config("woo", symbols, 0);  // heartbeat_s left unset
  v.options.push_back({"protocol", reftest::text(v3 ? "v3" : "v2")});
  return v;
}

void set(config::VenueConfig& v, const std::string& key, config::KeyValue value) {
  v.options.push_back({key, std::move(value)});
}

std::string problem_of(const config::VenueConfig& v) {
  try {
    (void)read_own_keys(v, read_keys);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("config: reference is a boolean, false by default", "[woo][reference][config]") {
  config::VenueConfig v = woo_venue({"PERP_BTC_USDT"}, false);
  CHECK_FALSE(read_own_keys(v, read_keys).reference);
  set(v, "reference", reftest::boolean(true));
  CHECK(read_own_keys(v, read_keys).reference);
  config::VenueConfig bad = woo_venue({"PERP_BTC_USDT"}, false);
  set(bad, "reference", reftest::text("yes"));
  CHECK(problem_of(bad) ==
        "venue 'woo': reference must be a boolean (true or false), got a string");
}

TEST_CASE("config: v3 counts the reference topics in its 100 topics per connection",
          "[woo][reference][config]") {
  // 25 perpetuals: 25 books + 75 + 25 indexes = 125 with reference; 25 without.
  std::vector<std::string> perps;
  for (int k = 0; k < 25; ++k) perps.push_back("PERP_C" + std::to_string(k) + "_USDT");
  config::VenueConfig v = woo_venue(perps, true);
  CHECK(problem_of(v).empty());
  set(v, "reference", reftest::boolean(true));
  CHECK(problem_of(v) ==
        "venue 'woo': protocol v3 takes at most 100 topics per connection; 25 symbols with "
        "reference need 125 (split the symbols over more venues)");
  // 20 perpetuals and their spots: 40 books + 60 + 20 indexes = 120; 10 + 10: 60.
  std::vector<std::string> pairs;
  for (int k = 0; k < 10; ++k) {
    pairs.push_back("PERP_C" + std::to_string(k) + "_USDT");
    pairs.push_back("SPOT_C" + std::to_string(k) + "_USDT");
  }
  config::VenueConfig ok = woo_venue(pairs, true);
  set(ok, "reference", reftest::boolean(true));
  CHECK(problem_of(ok).empty());
  CHECK(v3_reference_topics(pairs).size() == 40);
}

// ---- end to end against the simulator -------------------------------------------

namespace {

// Whether slot i holds exactly the simulator's last sent values for its
// symbol (every field the simulator sent, nothing it did not).
bool slot_matches(const shm::VenueReader& reader, std::uint32_t i,
                  const sim::WooReferenceSent& sent, std::string& why) {
  shm::Reference ref;
  if (reader.read_reference(i, ref) != shm::ReadResult::ok) {
    why = "slot not readable";
    return false;
  }
  const std::pair<ReferenceField, const std::string*> fields[] = {
      {ReferenceField::mark_price, &sent.mark_price},
      {ReferenceField::index_price, &sent.index_price},
      {ReferenceField::funding_rate, &sent.funding_rate},
      {ReferenceField::open_interest, &sent.open_interest}};
  for (const auto& [f, text] : fields) {
    if (text->empty()) {
      if (ref.has(f)) why = std::string(shm::to_string(f)) + " held but never sent";
      if (ref.has(f)) return false;
      continue;
    }
    std::int64_t v = 0;
    std::int8_t e = 0;
    if (!exact_field(*text, v, e)) {
      why = "simulator text not exact: " + *text;
      return false;
    }
    if (!ref.has(f) || ref.raw(f) != v || ref.exponent(f) != e) {
      why = std::string(shm::to_string(f)) + " differs from " + *text;
      return false;
    }
  }
  const bool has_next = sent.next_funding_ms != 0;
  if (ref.has(ReferenceField::next_funding_time) != has_next ||
      (has_next &&
       ref.raw(ReferenceField::next_funding_time) != sent.next_funding_ms * 1'000'000)) {
    why = "next_funding_time differs";
    return false;
  }
  if (ref.ts_exchange_ns != sent.ts_ms * 1'000'000) {
    why = "ts_exchange_ns differs";
    return false;
  }
  return true;
}

// The WOO simulator (default symbols SPOT_BTC_USDT, PERP_BTC_USDT,
// SPOT_ETH_USDT) and the feed built as the daemon builds it, publishing into a
// shared-memory segment in a temporary directory; `reference` as configured.
void run_reference(bool v3, bool reference) {
  INFO((v3 ? "v3" : "v2") << (reference ? " reference on" : " reference off"));
  sim::SimConfig cfg;
  cfg.venues = {"woo"};
  cfg.venue.seed = 7;
  cfg.venue.rate = 400;  // ~3 s of book events, so reference pushes interleave with deltas
  cfg.venue.frames = 1200;
  cfg.venue.symbols = 3;
  cfg.venue.wait_subscriptions = 3;
  cfg.linger_ms = 1500;
  cfg.options["woo"]["ref_ms"] = "50";
  if (v3) cfg.options["woo"]["protocol"] = "v3";
  sim::Simulator simulator(cfg);
  const std::vector<std::string> names = simtest::symbol_names("woo", 3);
  REQUIRE(names == std::vector<std::string>{"SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT"});

  reftest::VenueSegment seg("woo", reftest::specs_at(names, -2, -4), "wooref", 1U << 16U);
  const shm::VenueReader& reader = seg.reader;

  config::VenueConfig venue = woo_venue(names, v3);
  venue.heartbeat_s = 10;
  REQUIRE_FALSE(config::parse_url(simulator.url("woo", false), venue.endpoint));
  set(venue, "reference", reftest::boolean(reference));
  SessionOptions wo = reftest::session_options(venue, "ws");
  wo.seed = 7;
  wo.min_connect_interval_ns = kModule.min_connect_interval_ns;

  sim::Venue* sv = simulator.venue("woo");
  REQUIRE(sv != nullptr);
  const auto matches = [&](std::uint32_t i, std::string& why) {
    sim::WooReferenceSent sent;
    REQUIRE(sim::woo_reference_sent(*sv, names[i], sent));
    if (sent.rounds < 3) {
      why = "fewer than 3 frames sent";
      return false;
    }
    return slot_matches(reader, i, sent, why);
  };
  std::string why;
  // While the market runs: every slot catches up with the last values sent;
  // then the bounded run ends and the simulator closes its sessions.
  (void)reftest::run_to_end(simulator, kModule, venue, *seg.books, wo, [&] {
    if (!reference) return;
    const bool caught_up = simtest::wait_for(
        [&] {
          for (std::uint32_t i = 0; i < names.size(); ++i) {
            if (!matches(i, why)) return false;
          }
          return true;
        },
        std::chrono::seconds(60));
    INFO(why);
    CHECK(caught_up);
  });

  for (std::uint32_t i = 0; i < names.size(); ++i) {
    INFO(names[i]);
    sim::WooReferenceSent sent;
    REQUIRE(sim::woo_reference_sent(*sv, names[i], sent));
    if (reference) {
      // After the last push: exactly the last values sent, field by field.
      const bool exact = matches(i, why);
      INFO(why);
      CHECK(exact);
      CHECK(sent.mark_price.empty() == (names[i] != "PERP_BTC_USDT"));
      CHECK_FALSE(sent.index_price.empty());
      CHECK((sent.next_funding_ms != 0) == (v3 && names[i] == "PERP_BTC_USDT"));
    } else {
      CHECK(sent.rounds == 0);  // nothing subscribed
      shm::Reference ref;
      CHECK(reader.read_reference(i, ref) == shm::ReadResult::empty);
    }
  }
  if (v3 && reference) {
    // The index came once per underlying and went to both BTC books.
    sim::WooReferenceSent spot, perp;
    REQUIRE(sim::woo_reference_sent(*sv, "SPOT_BTC_USDT", spot));
    REQUIRE(sim::woo_reference_sent(*sv, "PERP_BTC_USDT", perp));
    CHECK(spot.index_price == perp.index_price);
  }
  CHECK(seg.books->counters().malformed.load() == 0);

  // The books still end equal to the truth.
  reftest::check_books_equal_truth(*seg.books, simulator.truth(), "woo");
}

}  // namespace

TEST_CASE("v2 end to end: the reference slots hold exactly the simulator's last values",
          "[woo][reference][e2e]") {
  run_reference(false, true);
}

TEST_CASE("v3 end to end: the reference slots hold exactly the simulator's last values",
          "[woo][reference][e2e][v3]") {
  run_reference(true, true);
}

TEST_CASE("end to end with reference off: nothing subscribed, the slots stay empty",
          "[woo][reference][e2e]") {
  run_reference(false, false);
  run_reference(true, false);
}
