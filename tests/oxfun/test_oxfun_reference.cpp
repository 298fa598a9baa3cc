// OX.FUN reference data end to end: the simulator's `ticker:<market>` pushes
// (tools/sim/oxfun) -> real WebSocket session -> OxfunFeed -> the reference
// slots of a real shared-memory segment, compared exactly with the values the
// simulator last sent; and the `reference` config key.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "config/url.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/oxfun/module.hpp"
#include "feeds/oxfun/oxfun_feed.hpp"
#include "tests/common/reference_rig.hpp"
#include "tests/config/test_util.hpp"
#include "tests/sim/sim_thread.hpp"
#include "tools/sim/oxfun/oxfun_venue.hpp"

using namespace wirebook;
using reftest::holds_exactly;
using shm::ReferenceField;

namespace {

config::VenueConfig oxfun_venue(const std::string& url, const std::vector<std::string>& symbols,
                                bool reference) {
  config::VenueConfig venue = reftest::venue_config("oxfun", symbols, 10);
  REQUIRE_FALSE(config::parse_url(url, venue.endpoint));
  venue.options.push_back({"request_interval_ms", reftest::integer(20)});
  if (reference) venue.options.push_back({"reference", reftest::boolean(true)});
  return venue;
}

feeds::SessionOptions oxfun_options(const config::VenueConfig& venue, const std::string& ca) {
  feeds::SessionOptions wo = reftest::session_options(venue, "ws");
  wo.ca_file = ca;
  wo.min_connect_interval_ns = reftest::module_of("oxfun").min_connect_interval_ns;
  return wo;
}

// One feed as the daemon builds it (module, session, books over a real
// segment), connected to the simulator, recording what it sent.
struct Client {
  Client(const std::string& url, const std::string& ca, const std::vector<std::string>& symbols,
         bool reference, boost::asio::io_context& io)
      : seg("oxfun", reftest::specs_at(symbols, -2, -4), reference ? "oxref1" : "oxref0"),
        venue(oxfun_venue(url, symbols, reference)),
        run(reftest::module_of("oxfun"), venue, *seg.books, oxfun_options(venue, ca), io),
        feed(&dynamic_cast<const feeds::FeedHandler<feeds::oxfun::OxfunFeed>&>(*run.handler)
                  .feed()) {}

  // The reference slot of every symbol holds exactly the simulator's last
  // ticker of it (read between two identical reads of the simulator's).
  bool matches(const sim::Venue& v) {
    for (std::uint32_t i = 0; i < seg.books->size(); ++i) {
      const auto before = sim::oxfun_last_ticker(v, i);
      shm::Reference r;
      if (!before || seg.reader.read_reference(i, r) != shm::ReadResult::ok) return false;
      const auto after = sim::oxfun_last_ticker(v, i);
      if (!after || after->push != before->push) return false;
      if (!holds_exactly(r, ReferenceField::mark_price, before->mark_price) ||
          !holds_exactly(r, ReferenceField::index_price, before->index_price) ||
          !holds_exactly(r, ReferenceField::open_interest, before->open_interest) ||
          r.has(ReferenceField::funding_rate) || r.has(ReferenceField::next_funding_time) ||
          r.ts_exchange_ns != before->ts_ms * 1'000'000) {
        return false;
      }
    }
    return true;
  }

  reftest::VenueSegment seg;
  config::VenueConfig venue;
  reftest::FeedUnderTest run;
  const feeds::oxfun::OxfunFeed* feed = nullptr;
};

}  // namespace

TEST_CASE(
    "with reference = true the reference slots hold exactly the simulator's last tickers; "
    "without it nothing is subscribed and the slots stay empty",
    "[oxfun][reference][e2e]") {
  const std::vector<std::string> symbols = simtest::symbol_names("oxfun", 3);
  sim::SimConfig cfg = simtest::test_config(41, {"oxfun"});
  cfg.venue.symbols = symbols.size();
  cfg.venue.frames = 1500;
  // Both clients' books (3 + 3) and the tickers of one (3).
  cfg.venue.wait_subscriptions = 3 * symbols.size();
  cfg.linger_ms = 120'000;  // ended by stop() once the conditions hold
  cfg.options["oxfun"]["ticker_ms"] = "50";
  sim::Simulator simulator(cfg);
  const std::string url = simulator.url("oxfun", false);
  REQUIRE(!url.empty());

  boost::asio::io_context io;
  Client on(url, simulator.ca_path(), symbols, true, io);
  Client off(url, simulator.ca_path(), symbols, false, io);
  reftest::LiveRun run(simulator, io, {&on.run, &off.run});

  const sim::Venue& v = *simulator.venue("oxfun");
  // The market has run its course, both feeds are LIVE, and the tickers
  // flow: the slots equal the simulator's latest push (exactly, with its
  // timestamp), for pushes after the first few.
  const bool reached = simtest::wait_for(
      [&] {
        const auto t = sim::oxfun_last_ticker(v, 0);
        return simulator.venue("oxfun")->stats().events.load() >= 1500 &&
               reftest::all_live(*on.seg.books) && reftest::all_live(*off.seg.books) && t &&
               t->push >= 5 && on.matches(v);
      },
      std::chrono::seconds(90));
  CHECK(reached);
  const std::uint64_t published = on.feed->oxfun_counters().tickers;
  run.finish(/*stop_simulator=*/true);

  // On: every ticker published, none refused or unknown; books exact.
  CHECK(published >= 5 * symbols.size());
  CHECK(on.feed->oxfun_counters().tickers_rejected == 0);
  CHECK(on.feed->oxfun_counters().tickers_unknown == 0);
  CHECK(on.feed->oxfun_counters().refused_subscriptions == 0);
  CHECK(on.seg.books->counters().malformed.load() == 0);
  CHECK(on.seg.books->counters().unexpected.load() == 0);
  CHECK(on.seg.books->counters().references.load() == on.feed->oxfun_counters().tickers);
  CHECK(on.run.out.count("\"ticker:") >= 1);
  reftest::check_books_equal_truth(*on.seg.books, simulator.truth(), "oxfun");

  // Off: no ticker asked for, none received, every slot empty; books exact.
  CHECK(off.run.out.count("ticker:") == 0);
  CHECK(off.feed->oxfun_counters().tickers == 0);
  CHECK(off.seg.books->counters().unexpected.load() == 0);
  CHECK(off.seg.books->counters().references.load() == 0);
  for (std::uint32_t i = 0; i < symbols.size(); ++i) {
    shm::Reference r;
    CHECK(off.seg.reader.read_reference(i, r) == shm::ReadResult::empty);  // never published
  }
  reftest::check_books_equal_truth(*off.seg.books, simulator.truth(), "oxfun");
}

TEST_CASE("the OX.FUN reference key is a boolean, off by default", "[oxfun][reference][config]") {
  using namespace wirebook::config::test;
  const std::string ox =
      "name = \"oxfun\"\nkind = \"oxfun\"\nurl = \"wss://api.ox.fun/v2/websocket\"\n"
      "symbols = [\"BTC-USD-SWAP-LIN\"]\ndepth = 20\n";
  const auto keys_of = [&](const std::string& extra) {
    const auto cfg =
        config::parse_config(kDaemon + "\n[[venue]]\n" + ox + extra, "t.toml", kinds());
    return feeds::read_own_keys(cfg.venues.at(0), feeds::oxfun::read_keys);
  };
  CHECK_FALSE(keys_of("").reference);
  CHECK(keys_of("reference = true\n").reference);
  CHECK_FALSE(keys_of("reference = false\n").reference);
  const auto probs = problems_of(kDaemon + "\n[[venue]]\n" + ox + "reference = \"yes\"\n");
  INFO(joined(probs));
  REQUIRE(probs.size() == 1);
  CHECK(probs[0].find("reference") != std::string::npos);
  CHECK(probs[0].find("boolean") != std::string::npos);
}
