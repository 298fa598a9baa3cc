// OX.FUN reference data end to end: the simulator's `ticker:<market>` pushes
// (tools/sim/oxfun) -> real WebSocket session -> OxfunFeed -> the reference
// slots of a real shared-memory segment, compared exactly with the values the
// simulator last sent; and the `reference` config key.
#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <wirebook/reader.hpp>

#include "book/decimal.hpp"
#include "config/url.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/oxfun/module.hpp"
#include "feeds/oxfun/oxfun_feed.hpp"
#include "feeds/registry.hpp"
#include "shm/writer.hpp"
#include "tests/config/test_util.hpp"
#include "tests/shm/test_util.hpp"
#include "tests/sim/ref_book.hpp"
#include "tests/sim/sim_thread.hpp"
#include "tools/sim/oxfun/oxfun_venue.hpp"

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

// One feed as the daemon builds it (module, session, books over a real
// segment), connected to the simulator, recording what it sent.
struct Client {
  Client(const std::string& url, const std::string& ca, const std::vector<std::string>& symbols,
         bool reference, boost::asio::io_context& io)
      : dir(reference ? "oxref1" : "oxref0") {
    shm::SegmentOptions so;
    so.dir = dir.path();
    shm::VenueConfig vc;
    vc.name = "oxfun";
    vc.symbols = symbols;
    vc.ring_capacity = 1U << 14U;
    REQUIRE(shm::VenueWriter::create(so, vc, writer).ok());
    writer->set_state(shm::SegmentState::live);
    REQUIRE(shm::VenueReader::open(dir.path(), "oxfun", reader) == shm::OpenError::ok);
    std::vector<feeds::InstrumentSpec> specs;
    for (const auto& s : symbols) specs.push_back({s, -2, -4});  // widened as needed
    books = std::make_unique<feeds::VenueBooks>(specs, 4000, 65536, writer.get());

    venue.name = "oxfun";
    venue.kind = "oxfun";
    venue.heartbeat_s = 10;
    venue.symbols = symbols;
    REQUIRE_FALSE(config::parse_url(url, venue.endpoint));
    venue.options.push_back({"request_interval_ms", int_key(20)});
    if (reference) venue.options.push_back({"reference", bool_key(true)});
    const feeds::VenueModule* module = feeds::find_venue_module("oxfun");
    REQUIRE(module != nullptr);
    handler = module->make_feed(feeds::FeedContext{venue, *books, forward, {}});
    feed = &dynamic_cast<const feeds::FeedHandler<feeds::oxfun::OxfunFeed>&>(*handler).feed();

    feeds::SessionOptions wo;
    wo.scheme = "ws";
    wo.host = venue.endpoint.host;
    wo.port = venue.endpoint.port;
    wo.target = venue.endpoint.target;
    wo.ca_file = ca;
    wo.min_connect_interval_ns = module->min_connect_interval_ns;
    session = feeds::make_session(module->transport, io, wo, *handler);
    forward.s = session.get();
  }

  // The reference slot of every symbol holds exactly the simulator's last
  // ticker of it (read between two identical reads of the simulator's).
  bool matches(const sim::Venue& v) {
    for (std::uint32_t i = 0; i < books->size(); ++i) {
      const auto before = sim::oxfun_last_ticker(v, i);
      shm::Reference r;
      if (!before || reader.read_reference(i, r) != shm::ReadResult::ok) return false;
      const auto after = sim::oxfun_last_ticker(v, i);
      if (!after || after->push != before->push) return false;
      if (!same(r, ReferenceField::mark_price, before->mark_price) ||
          !same(r, ReferenceField::index_price, before->index_price) ||
          !same(r, ReferenceField::open_interest, before->open_interest) ||
          r.has(ReferenceField::funding_rate) || r.has(ReferenceField::next_funding_time) ||
          r.ts_exchange_ns != before->ts_ms * 1'000'000) {
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
    const auto venue_it = truth.find("oxfun");
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

  struct Forward : feeds::Outbox {
    feeds::Session* s = nullptr;
    std::mutex m;
    std::vector<std::string> sent;  // every request, in order
    void send_text(std::string_view f) override {
      {
        const std::lock_guard<std::mutex> lock(m);
        sent.emplace_back(f);
      }
      if (s) s->send_text(f);
    }
    std::size_t count(std::string_view needle) {
      const std::lock_guard<std::mutex> lock(m);
      std::size_t n = 0;
      for (const auto& t : sent) n += t.find(needle) != std::string::npos ? 1U : 0U;
      return n;
    }
  };

  shm::test::TempDir dir;
  std::unique_ptr<shm::VenueWriter> writer;
  shm::VenueReader reader;
  std::unique_ptr<feeds::VenueBooks> books;
  config::VenueConfig venue;
  Forward forward;
  std::unique_ptr<feeds::FrameHandler> handler;
  const feeds::oxfun::OxfunFeed* feed = nullptr;
  std::unique_ptr<feeds::Session> session;
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
  auto guard = boost::asio::make_work_guard(io);
  Client on(url, simulator.ca_path(), symbols, true, io);
  Client off(url, simulator.ca_path(), symbols, false, io);
  std::thread sim_thread([&] { simulator.run(); });
  on.session->start();
  off.session->start();
  std::thread io_thread([&] { io.run(); });

  const sim::Venue& v = *simulator.venue("oxfun");
  // The market has run its course, both feeds are LIVE, and the tickers
  // flow: the slots equal the simulator's latest push (exactly, with its
  // timestamp), for pushes after the first few.
  const bool reached = simtest::wait_for(
      [&] {
        const auto t = sim::oxfun_last_ticker(v, 0);
        return simulator.venue("oxfun")->stats().events.load() >= 1500 && on.all_live() &&
               off.all_live() && t && t->push >= 5 && on.matches(v);
      },
      std::chrono::seconds(90));
  CHECK(reached);
  const std::uint64_t published = on.feed->oxfun_counters().tickers;
  simulator.stop();
  sim_thread.join();
  boost::asio::post(io, [&] {
    on.session->stop();
    off.session->stop();
    guard.reset();
  });
  io_thread.join();

  // On: every ticker published, none refused or unknown; books exact.
  CHECK(published >= 5 * symbols.size());
  CHECK(on.feed->oxfun_counters().tickers_rejected == 0);
  CHECK(on.feed->oxfun_counters().tickers_unknown == 0);
  CHECK(on.feed->oxfun_counters().refused_subscriptions == 0);
  CHECK(on.books->counters().malformed.load() == 0);
  CHECK(on.books->counters().unexpected.load() == 0);
  CHECK(on.books->counters().references.load() == on.feed->oxfun_counters().tickers);
  CHECK(on.forward.count("\"ticker:") >= 1);
  on.check_truth(simulator.truth());

  // Off: no ticker asked for, none received, every slot empty; books exact.
  CHECK(off.forward.count("ticker:") == 0);
  CHECK(off.feed->oxfun_counters().tickers == 0);
  CHECK(off.books->counters().unexpected.load() == 0);
  CHECK(off.books->counters().references.load() == 0);
  for (std::uint32_t i = 0; i < symbols.size(); ++i) {
    shm::Reference r;
    CHECK(off.reader.read_reference(i, r) == shm::ReadResult::empty);  // never published
  }
  off.check_truth(simulator.truth());
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
