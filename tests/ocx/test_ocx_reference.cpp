// OCX reference data end to end: the simulator's GET /perps/market-stats
// answers (tools/sim/ocx) -> the feed's REST channel (the drift check's) ->
// OcxFeed -> the reference slots of a real shared-memory segment, compared
// exactly with the values the simulator last gave, while the books stream
// over SSE; and the `reference_interval_s` config key.
#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <wirebook/reader.hpp>

#include "book/decimal.hpp"
#include "config/url.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/ocx/ocx_feed.hpp"
#include "feeds/registry.hpp"
#include "shm/writer.hpp"
#include "tests/config/test_util.hpp"
#include "tests/shm/test_util.hpp"
#include "tests/sim/ref_book.hpp"
#include "tests/sim/sim_thread.hpp"
#include "tools/sim/ocx/ocx_venue.hpp"

using namespace wirebook;
using shm::ReferenceField;

namespace {

// A venue text equals a published field exactly (parsed at the slot's own
// exponent: a text needing more decimals cannot be equal).
bool same(const shm::Reference& r, ReferenceField f, const std::string& text) {
  if (!r.has(f)) return false;
  std::int64_t v = 0;
  return book::parse_decimal(text, r.exponent(f), v, book::Sign::allow_negative) ==
             book::DecimalError::ok &&
         v == r.raw(f);
}

// A percent text equals the published funding rate (a fraction) exactly:
// the percent at the slot's exponent + 2 is the fraction's raw value.
bool same_percent(const shm::Reference& r, const std::string& pct) {
  const ReferenceField f = ReferenceField::funding_rate;
  if (!r.has(f)) return false;
  std::int64_t v = 0;
  return book::parse_decimal(pct, r.exponent(f) + 2, v, book::Sign::allow_negative) ==
             book::DecimalError::ok &&
         v == r.raw(f);
}

config::KeyValue bool_key(bool v) {
  config::KeyValue k;
  k.type = config::KeyValue::Type::boolean;
  k.boolean = v;
  return k;
}

config::KeyValue int_key(std::int64_t v) {
  config::KeyValue k;
  k.type = config::KeyValue::Type::integer;
  k.integer = v;
  return k;
}

// One feed as the daemon builds it (module, SSE session, REST channel,
// books over a real segment), connected to the simulator.
struct Client {
  Client(const std::string& url, const std::string& ca, const std::vector<std::string>& symbols,
         bool reference, boost::asio::io_context& io)
      : dir(reference ? "ocxref1" : "ocxref0") {
    shm::SegmentOptions so;
    so.dir = dir.path();
    shm::VenueConfig vc;
    vc.name = "ocx";
    vc.symbols = symbols;
    vc.ring_capacity = 1U << 14U;
    REQUIRE(shm::VenueWriter::create(so, vc, writer).ok());
    writer->set_state(shm::SegmentState::live);
    REQUIRE(shm::VenueReader::open(dir.path(), "ocx", reader) == shm::OpenError::ok);
    std::vector<feeds::InstrumentSpec> specs;
    for (const auto& s : symbols) specs.push_back({s, -2, -4});  // widened as needed
    books = std::make_unique<feeds::VenueBooks>(specs, 4000, 65536, writer.get());

    venue.name = "ocx";
    venue.kind = "ocx";
    venue.heartbeat_s = 15;
    venue.symbols = symbols;
    REQUIRE_FALSE(config::parse_url(url, venue.endpoint));
    venue.tls.ca_file = ca;
    // The simulator serves only once running: no start-up GET /perps/markets.
    venue.options.push_back({"check_markets", bool_key(false)});
    if (reference) venue.options.push_back({"reference_interval_s", int_key(1)});
    const feeds::VenueModule* module = feeds::find_venue_module("ocx");
    REQUIRE(module != nullptr);
    handler = module->make_feed(feeds::FeedContext{venue, *books, forward, {}});
    feed = &dynamic_cast<const feeds::ocx::OcxHandler&>(*handler).feed();

    feeds::SessionOptions wo;
    wo.scheme = "http";
    wo.host = venue.endpoint.host;
    wo.port = venue.endpoint.port;
    wo.target = venue.endpoint.target;
    wo.ca_file = ca;
    wo.min_connect_interval_ns = module->min_connect_interval_ns;
    session = feeds::make_session(module->transport, io, wo, *handler);
    forward.s = session.get();
  }

  // The reference slot of every symbol holds exactly the simulator's last
  // market-stats answer for it (read between two identical reads of the
  // simulator's), from at least its `replies`-th answer on.
  bool matches(const sim::Venue& v, std::uint64_t replies) {
    for (std::uint32_t i = 0; i < books->size(); ++i) {
      const auto before = sim::ocx_last_market_stats(v, i);
      shm::Reference r;
      if (!before || before->reply < replies ||
          reader.read_reference(i, r) != shm::ReadResult::ok) {
        return false;
      }
      const auto after = sim::ocx_last_market_stats(v, i);
      if (!after || after->reply != before->reply) return false;
      if (!same(r, ReferenceField::mark_price, before->mark_price) ||
          !same(r, ReferenceField::open_interest, before->open_interest_usd) ||
          !same_percent(r, before->funding_1h_pct) || r.has(ReferenceField::index_price) ||
          r.has(ReferenceField::next_funding_time) || r.ts_exchange_ns != r.ts_recv_ns) {
        return false;
      }
    }
    return true;
  }

  bool all_live() const {
    for (std::uint32_t i = 0; i < books->size(); ++i) {
      if (books->status(i) != feeds::BookStatus::live) return false;
    }
    return true;
  }

  // Every book equals the simulator's truth, level by level.
  void check_truth(const std::string& truth_text) const {
    const auto truth = simtest::parse_truth(truth_text);
    const auto venue_it = truth.find("ocx");
    REQUIRE(venue_it != truth.end());
    for (std::uint32_t i = 0; i < books->size(); ++i) {
      INFO("symbol " << books->symbol(i));
      const auto it = venue_it->second.find(books->symbol(i));
      REQUIRE(it != venue_it->second.end());
      for (const auto side : {book::Side::bid, book::Side::ask}) {
        std::vector<book::Level> got(4000);
        got.resize(books->book(i).copy_top(side, got.data(), got.size()));
        const auto& want = side == book::Side::bid ? it->second.bids : it->second.asks;
        REQUIRE(got.size() == want.size());
        for (std::size_t k = 0; k < got.size(); ++k) {
          std::int64_t px = 0;
          std::int64_t qty = 0;
          REQUIRE(book::parse_decimal(want[k].first, books->px_exp(i), px) ==
                  book::DecimalError::ok);
          REQUIRE(book::parse_decimal(want[k].second, books->qty_exp(i), qty) ==
                  book::DecimalError::ok);
          CHECK(got[k].px == px);
          CHECK(got[k].qty == qty);
        }
      }
    }
  }

  struct Forward : feeds::Outbox {  // SSE: nothing is sent on the streams
    feeds::Session* s = nullptr;
    void send_text(std::string_view f) override {
      if (s) s->send_text(f);
    }
  };

  shm::test::TempDir dir;
  std::unique_ptr<shm::VenueWriter> writer;
  shm::VenueReader reader;
  std::unique_ptr<feeds::VenueBooks> books;
  config::VenueConfig venue;
  Forward forward;
  std::unique_ptr<feeds::FrameHandler> handler;
  const feeds::ocx::OcxFeed* feed = nullptr;
  std::unique_ptr<feeds::Session> session;
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
  auto guard = boost::asio::make_work_guard(io);
  Client on(url, simulator.ca_path(), symbols, true, io);
  Client off(url, simulator.ca_path(), symbols, false, io);
  std::thread sim_thread([&] { simulator.run(); });
  on.session->start();
  off.session->start();
  std::thread io_thread([&] { io.run(); });

  const sim::Venue& v = *simulator.venue("ocx");
  // The market has run its course, both feeds are LIVE, and the polls
  // flow: every slot equals the simulator's latest answer (its second or
  // later, so a repeated poll is proven too).
  const bool reached = simtest::wait_for(
      [&] {
        return simulator.venue("ocx")->stats().events.load() >= 1500 && on.all_live() &&
               off.all_live() && on.matches(v, 2);
      },
      std::chrono::seconds(90));
  CHECK(reached);
  simulator.stop();
  sim_thread.join();
  boost::asio::post(io, [&] {
    on.session->stop();
    off.session->stop();
    guard.reset();
  });
  io_thread.join();

  // On: published, nothing refused; books exact.
  const auto& c = on.feed->ocx_counters();
  CHECK(c.stats_published >= 2 * symbols.size());
  CHECK(c.stats_failures == 0);
  CHECK(on.books->counters().malformed.load() == 0);
  CHECK(on.books->counters().references.load() == c.stats_published);
  // Every answer the simulator gave went to the polling client.
  std::uint64_t answers = 0;
  for (std::uint32_t i = 0; i < symbols.size(); ++i) {
    const auto last = sim::ocx_last_market_stats(v, i);
    REQUIRE(last.has_value());
    answers += last->reply;
  }
  CHECK(answers <= c.stats_requests);
  on.check_truth(simulator.truth());

  // Off: never polled, every slot empty; books exact.
  CHECK(off.feed->ocx_counters().stats_requests == 0);
  CHECK(off.books->counters().references.load() == 0);
  for (std::uint32_t i = 0; i < symbols.size(); ++i) {
    shm::Reference r;
    CHECK(off.reader.read_reference(i, r) == shm::ReadResult::empty);  // never published
  }
  off.check_truth(simulator.truth());
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
