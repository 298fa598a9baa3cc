// OCX reference data end to end: the simulator's GET /perps/market-stats
// answers (tools/sim/ocx) -> the feed's REST channel (the drift check's) ->
// OcxFeed -> the reference slots of a real shared-memory segment, compared
// exactly with the values the simulator last gave, while the books stream
// over SSE; and the `reference_interval_s` config key.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "config/url.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/ocx/ocx_feed.hpp"
#include "tests/common/reference_rig.hpp"
#include "tests/config/test_util.hpp"
#include "tests/sim/sim_thread.hpp"
#include "tools/sim/ocx/ocx_venue.hpp"

using namespace wirebook;
using reftest::holds_exactly;
using shm::ReferenceField;

namespace {

config::VenueConfig ocx_venue(const std::string& url, const std::string& ca,
                              const std::vector<std::string>& symbols, bool reference) {
  config::VenueConfig venue = reftest::venue_config("ocx", symbols, 15);
  REQUIRE_FALSE(config::parse_url(url, venue.endpoint));
  venue.tls.ca_file = ca;
  // The simulator serves only once running: no start-up GET /perps/markets.
  venue.options.push_back({"check_markets", reftest::boolean(false)});
  if (reference) venue.options.push_back({"reference_interval_s", reftest::integer(1)});
  return venue;
}

feeds::SessionOptions ocx_options(const config::VenueConfig& venue) {
  feeds::SessionOptions wo = reftest::session_options(venue, "http");
  wo.ca_file = venue.tls.ca_file;
  wo.min_connect_interval_ns = reftest::module_of("ocx").min_connect_interval_ns;
  return wo;
}

// One feed as the daemon builds it (module, SSE session, REST channel,
// books over a real segment), connected to the simulator.
struct Client {
  Client(const std::string& url, const std::string& ca, const std::vector<std::string>& symbols,
         bool reference, boost::asio::io_context& io)
      : seg("ocx", reftest::specs_at(symbols, -2, -4), reference ? "ocxref1" : "ocxref0"),
        venue(ocx_venue(url, ca, symbols, reference)),
        run(reftest::module_of("ocx"), venue, *seg.books, ocx_options(venue), io),
        feed(&dynamic_cast<const feeds::ocx::OcxHandler&>(*run.handler).feed()) {}

  // The reference slot of every symbol holds exactly the simulator's last
  // market-stats answer for it (read between two identical reads of the
  // simulator's), from at least its `replies`-th answer on. The funding
  // percent at the slot's exponent + 2 is the published fraction's raw value.
  bool matches(const sim::Venue& v, std::uint64_t replies) {
    for (std::uint32_t i = 0; i < seg.books->size(); ++i) {
      const auto before = sim::ocx_last_market_stats(v, i);
      shm::Reference r;
      if (!before || before->reply < replies ||
          seg.reader.read_reference(i, r) != shm::ReadResult::ok) {
        return false;
      }
      const auto after = sim::ocx_last_market_stats(v, i);
      if (!after || after->reply != before->reply) return false;
      if (!holds_exactly(r, ReferenceField::mark_price, before->mark_price) ||
          !holds_exactly(r, ReferenceField::open_interest, before->open_interest_usd) ||
          !holds_exactly(r, ReferenceField::funding_rate, before->funding_1h_pct, 2) ||
          r.has(ReferenceField::index_price) || r.has(ReferenceField::next_funding_time) ||
          r.ts_exchange_ns != r.ts_recv_ns) {
        return false;
      }
    }
    return true;
  }

  reftest::VenueSegment seg;
  config::VenueConfig venue;
  reftest::FeedUnderTest run;  // SSE: nothing is sent on the streams
  const feeds::ocx::OcxFeed* feed = nullptr;
};

}  // namespace

TEST_CASE(
    "with reference_interval_s the reference slots hold exactly the simulator's last "
    "market-stats answers; without it nothing is polled and the slots stay empty",
    "[ocx][reference][e2e]") {
  const std::vector<std::string> symbols = simtest::symbol_names("ocx", 3);
  sim::SimConfig cfg = simtest::test_config(43, {"ocx"});
  cfg.venue.symbols = symbols.size();
  cfg.venue.frames = 1500;
  cfg.venue.wait_subscriptions = 2 * symbols.size();  // both clients' streams
  cfg.linger_ms = 120'000;                            // ended by stop() once the conditions hold
  cfg.options["ocx"]["heartbeat_ms"] = "1000";
  sim::Simulator simulator(cfg);
  const std::string url = simulator.url("ocx", false);
  REQUIRE(!url.empty());

  boost::asio::io_context io;
  Client on(url, simulator.ca_path(), symbols, true, io);
  Client off(url, simulator.ca_path(), symbols, false, io);
  reftest::LiveRun run(simulator, io, {&on.run, &off.run});

  const sim::Venue& v = *simulator.venue("ocx");
  // The market has run its course, both feeds are LIVE, and the polls
  // flow: every slot equals the simulator's latest answer (its second or
  // later, so a repeated poll is proven too).
  const bool reached = simtest::wait_for(
      [&] {
        return simulator.venue("ocx")->stats().events.load() >= 1500 &&
               reftest::all_live(*on.seg.books) && reftest::all_live(*off.seg.books) &&
               on.matches(v, 2);
      },
      std::chrono::seconds(90));
  CHECK(reached);
  run.finish(/*stop_simulator=*/true);

  // On: published, nothing refused; books exact.
  const auto& c = on.feed->ocx_counters();
  CHECK(c.stats_published >= 2 * symbols.size());
  CHECK(c.stats_failures == 0);
  CHECK(on.seg.books->counters().malformed.load() == 0);
  CHECK(on.seg.books->counters().references.load() == c.stats_published);
  // Every answer the simulator gave went to the polling client.
  std::uint64_t answers = 0;
  for (std::uint32_t i = 0; i < symbols.size(); ++i) {
    const auto last = sim::ocx_last_market_stats(v, i);
    REQUIRE(last.has_value());
    answers += last->reply;
  }
  CHECK(answers <= c.stats_requests);
  reftest::check_books_equal_truth(*on.seg.books, simulator.truth(), "ocx");

  // Off: never polled, every slot empty; books exact.
  CHECK(off.feed->ocx_counters().stats_requests == 0);
  CHECK(off.seg.books->counters().references.load() == 0);
  for (std::uint32_t i = 0; i < symbols.size(); ++i) {
    shm::Reference r;
    CHECK(off.seg.reader.read_reference(i, r) == shm::ReadResult::empty);  // never published
  }
  reftest::check_books_equal_truth(*off.seg.books, simulator.truth(), "ocx");
}

TEST_CASE(
    "the OCX reference_interval_s key is 0..3600 seconds, 0 (off) by default; "
    "the websocket venues' reference key is not taken",
    "[ocx][reference][config]") {
  using namespace wirebook::config::test;
  const std::string ocx =
      "name = \"ocx\"\nkind = \"ocx\"\nurl = \"https://api.example.com/perps/book-stream\"\n"
      "symbols = [\"BTC-PERP\"]\ndepth = 25\n";
  const auto venue = [&](const std::string& extra) {
    return kDaemon + "\n[[venue]]\n" + ocx + extra;
  };
  (void)config::parse_config(venue(""), "t.toml", kinds());
  (void)config::parse_config(venue("reference_interval_s = 0\n"), "t.toml", kinds());
  (void)config::parse_config(venue("reference_interval_s = 30\n"), "t.toml", kinds());
  REQUIRE_ONLY_PROBLEM(venue("reference_interval_s = 3601\n"),
                       "venue 'ocx': reference_interval_s must be 0..3600, got 3601");
  REQUIRE_ONLY_PROBLEM(venue("reference_interval_s = -1\n"),
                       "venue 'ocx': reference_interval_s must be 0..3600, got -1");
  const auto typed = problems_of(venue("reference_interval_s = \"10\"\n"));
  REQUIRE(typed.size() == 1);
  CHECK(typed[0].find("reference_interval_s") != std::string::npos);
  const auto common = problems_of(venue("reference = true\n"));
  INFO(joined(common));
  REQUIRE(common.size() == 1);  // one line naming every kind that has the key
  CHECK(common[0] ==
        "venue 'ocx': key 'reference' is only valid for kinds woo, pulse, o2, oxfun, not ocx");
}

TEST_CASE(
    "the OCX simulator answers market-stats with the documented string fields, "
    "deterministically, and exposes its last answer",
    "[ocx][reference][sim]") {
  sim::SimConfig cfg = simtest::test_config(44, {"ocx"});
  cfg.venue.rate = 50;
  simtest::SimThread st(cfg);
  const sim::Venue& v = *st.sim().venue("ocx");
  config::Url url;
  REQUIRE_FALSE(config::parse_url(st.sim().url("ocx", false), url));
  feeds::RestEndpoint ep;
  ep.scheme = "http";
  ep.host = url.host;
  ep.port = url.port;
  const auto get = [&](const std::string& target) {
    return feeds::https_get(ep, target, std::chrono::seconds(20));
  };
  CHECK_FALSE(sim::ocx_last_market_stats(v, 1).has_value());
  const auto spec = sim::venue_symbols("ocx", 0)[1];  // ETH-PERP
  for (std::uint64_t n = 1; n <= 6; ++n) {
    INFO("reply " << n);
    const auto r = get("/perps/market-stats?marketId=ETH-PERP");
    REQUIRE(r.status == 200);
    const auto want = sim::ocx_market_stats_values(spec, n);
    CHECK(r.body == R"({"markPrice":")" + want.mark_price +
                        R"(","change24hPct":"1.25","volume24hUsd":"1000000","openInterestUsd":")" +
                        want.open_interest_usd + R"(","funding1hPct":")" + want.funding_1h_pct +
                        R"("})");
    const auto last = sim::ocx_last_market_stats(v, 1);
    REQUIRE(last.has_value());
    CHECK(last->reply == n);
    CHECK(last->mark_price == want.mark_price);
    CHECK(last->funding_1h_pct == want.funding_1h_pct);
  }
  // Exact decimals; the funding percent takes negative values too.
  const auto first = sim::ocx_market_stats_values(spec, 1);
  CHECK(first.mark_price == "3123.43");  // start 3123.45, tick 0.01, 2 ticks below
  CHECK(first.open_interest_usd == "1234577.89");
  CHECK(first.funding_1h_pct == "-0.0001");
  CHECK(sim::ocx_market_stats_values(spec, 3).funding_1h_pct == "0.0001");
  CHECK_FALSE(sim::ocx_last_market_stats(v, 0).has_value());  // BTC-PERP: never asked
  CHECK(get("/perps/market-stats?marketId=NOPE-PERP").status == 404);
  CHECK(get("/perps/market-stats").status == 404);
}
