#pragma once
// The shared rig of the per-venue reference-data tests (tests/<venue>/
// test_<venue>_reference.cpp): config key values, "a slot field holds exactly
// this decimal text", a shared-memory segment with its books, one feed built
// as the daemon builds it, and the in-process run of feeds against the
// simulator (real sockets, real sessions) with its threads.
//
// Test code: throws through Catch2's REQUIRE on set-up failures. Threading:
// the simulator and the io_context run on their own threads between
// LiveRun's constructor and finish(); RecordingOutbox may be read meanwhile.
#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <wirebook/reader.hpp>

#include "book/decimal.hpp"
#include "config/url.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/common/venue_module.hpp"
#include "feeds/registry.hpp"
#include "shm/writer.hpp"
#include "tests/common/feed_under_test.hpp"
#include "tests/shm/test_util.hpp"
#include "tests/sim/ref_book.hpp"
#include "tools/sim/sim.hpp"

namespace wirebook::reftest {

// ---- config key values -------------------------------------------------------

inline config::KeyValue boolean(bool b) {
  config::KeyValue v;
  v.type = config::KeyValue::Type::boolean;
  v.boolean = b;
  return v;
}

inline config::KeyValue text(std::string s) {
  config::KeyValue v;
  v.type = config::KeyValue::Type::string;
  v.string = std::move(s);
  return v;
}

inline config::KeyValue integer(std::int64_t i) {
  config::KeyValue v;
  v.type = config::KeyValue::Type::integer;
  v.integer = i;
  return v;
}

// A venue of `kind`, named after it, with `symbols` and heartbeat_s; no
// endpoint or module keys yet.
inline config::VenueConfig venue_config(const std::string& kind,
                                        const std::vector<std::string>& symbols,
                                        std::uint32_t heartbeat_s) {
  config::VenueConfig v;
  v.name = v.kind = kind;
  v.heartbeat_s = heartbeat_s;
  v.symbols = symbols;
  return v;
}

// ---- slot values -------------------------------------------------------------

// Whether the slot's field holds exactly the decimal `text`, parsed at the
// slot's own exponent + extra_exp (a text needing more decimals cannot be
// equal). extra_exp = 2 reads a percent text against a fraction.
inline bool holds_exactly(const shm::Reference& r, shm::ReferenceField f, std::string_view text,
                          int extra_exp = 0) {
  if (!r.has(f) || text.empty()) return false;
  std::int64_t v = 0;
  return book::parse_decimal(text, r.exponent(f) + extra_exp, v, book::Sign::allow_negative) ==
             book::DecimalError::ok &&
         v == r.raw(f);
}

// ---- segment and books -------------------------------------------------------

// The simulator's first `n` instruments of `venue` at their own exponents.
inline std::vector<feeds::InstrumentSpec> sim_specs(const std::string& venue, std::size_t n) {
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& s : sim::venue_symbols(venue, n)) specs.push_back({s.name, s.px_exp, s.qty_exp});
  return specs;
}

// `names` at the same starting exponents (the books widen them as needed).
inline std::vector<feeds::InstrumentSpec> specs_at(const std::vector<std::string>& names,
                                                   int px_exp, int qty_exp) {
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& n : names) specs.push_back({n, px_exp, qty_exp});
  return specs;
}

// A LIVE venue segment in a temporary directory, a reader of it, and the
// venue's books publishing into it (4000 levels, 65536 orders).
struct VenueSegment {
  VenueSegment(const std::string& venue, const std::vector<feeds::InstrumentSpec>& specs,
               const char* dir_tag, std::uint32_t ring_capacity = 1U << 14U)
      : dir(dir_tag) {
    shm::SegmentOptions so;
    so.dir = dir.path();
    shm::VenueConfig vc;
    vc.name = venue;
    for (const auto& s : specs) vc.symbols.push_back(s.symbol);
    vc.ring_capacity = ring_capacity;
    REQUIRE(shm::VenueWriter::create(so, vc, writer).ok());
    writer->set_state(shm::SegmentState::live);
    REQUIRE(shm::VenueReader::open(dir.path(), venue, reader) == shm::OpenError::ok);
    books = std::make_unique<feeds::VenueBooks>(specs, 4000, 65536, writer.get());
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (std::uint32_t i = 0; i < books->size(); ++i) out.push_back(books->symbol(i));
    return out;
  }

  shm::test::TempDir dir;
  std::unique_ptr<shm::VenueWriter> writer;
  shm::VenueReader reader;
  std::unique_ptr<feeds::VenueBooks> books;
};

// Whether every book is LIVE.
inline bool all_live(const feeds::VenueBooks& books) {
  for (std::uint32_t i = 0; i < books.size(); ++i) {
    if (books.status(i) != feeds::BookStatus::live) return false;
  }
  return true;
}

// Every book equals the simulator's truth for `venue`, level by level.
inline void check_books_equal_truth(const feeds::VenueBooks& books, const std::string& truth_text,
                                    const std::string& venue) {
  const auto truth = simtest::parse_truth(truth_text);
  const auto venue_it = truth.find(venue);
  REQUIRE(venue_it != truth.end());
  for (std::uint32_t i = 0; i < books.size(); ++i) {
    INFO("symbol " << books.symbol(i));
    const auto it = venue_it->second.find(books.symbol(i));
    REQUIRE(it != venue_it->second.end());
    for (const auto side : {book::Side::bid, book::Side::ask}) {
      std::vector<book::Level> got(4000);
      got.resize(books.book(i).copy_top(side, got.data(), got.size()));
      const auto& want = side == book::Side::bid ? it->second.bids : it->second.asks;
      REQUIRE(got.size() == want.size());
      for (std::size_t k = 0; k < got.size(); ++k) {
        std::int64_t px = 0;
        std::int64_t qty = 0;
        REQUIRE(book::parse_decimal(want[k].first, books.px_exp(i), px) == book::DecimalError::ok);
        REQUIRE(book::parse_decimal(want[k].second, books.qty_exp(i), qty) ==
                book::DecimalError::ok);
        CHECK(got[k].px == px);
        CHECK(got[k].qty == qty);
      }
    }
  }
}

// The module of `kind` from the registry (REQUIRE: registered).
inline const feeds::VenueModule& module_of(std::string_view kind) {
  const feeds::VenueModule* module = feeds::find_venue_module(kind);
  REQUIRE(module != nullptr);
  return *module;
}

// ---- the run ------------------------------------------------------------------

// The simulator on its thread, the feeds' sessions started and `io` run on
// another, from construction to finish() (or destruction, which stops the
// simulator first so that a failed REQUIRE does not wait for a long linger).
class LiveRun {
 public:
  LiveRun(sim::Simulator& simulator, boost::asio::io_context& io, std::vector<FeedUnderTest*> feeds)
      : simulator_(simulator),
        io_(io),
        guard_(boost::asio::make_work_guard(io)),
        feeds_(std::move(feeds)) {
    sim_thread_ = std::thread([this] { simulator_.run(); });
    for (FeedUnderTest* f : feeds_) f->session->start();
    io_thread_ = std::thread([this] { io_.run(); });
  }
  LiveRun(const LiveRun&) = delete;
  LiveRun& operator=(const LiveRun&) = delete;
  ~LiveRun() { finish(true); }

  // Waits for the simulator's bounded run to end (its sessions closed:
  // nothing more is sent), or ends it now with stop_simulator; then stops
  // the sessions and the io thread.
  void finish(bool stop_simulator = false) {
    if (!io_thread_.joinable()) return;
    if (stop_simulator) simulator_.stop();
    sim_thread_.join();
    boost::asio::post(io_, [this] {
      for (FeedUnderTest* f : feeds_) f->session->stop();
      guard_.reset();
    });
    io_thread_.join();
  }

 private:
  sim::Simulator& simulator_;
  boost::asio::io_context& io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<FeedUnderTest*> feeds_;
  std::thread sim_thread_;
  std::thread io_thread_;
};

// Runs the module's feed (venue, books, options) against the simulator until
// the simulator's bounded run ends; `while_running` is called on the test
// thread meanwhile. Returns every frame the feed sent.
template <class WhileRunning>
std::vector<std::string> run_to_end(sim::Simulator& simulator, const feeds::VenueModule& module,
                                    const config::VenueConfig& venue, feeds::VenueBooks& books,
                                    const feeds::SessionOptions& options,
                                    WhileRunning&& while_running) {
  boost::asio::io_context io;
  FeedUnderTest feed(module, venue, books, options, io);
  LiveRun run(simulator, io, {&feed});
  while_running();
  run.finish();
  return feed.out.sent();
}

inline std::vector<std::string> run_to_end(sim::Simulator& simulator,
                                           const feeds::VenueModule& module,
                                           const config::VenueConfig& venue,
                                           feeds::VenueBooks& books,
                                           const feeds::SessionOptions& options) {
  return run_to_end(simulator, module, venue, books, options, [] {});
}

// What a bounded run left: every frame the feed sent, each book's reference
// slot as read after the run, and the books' malformed count.
struct BoundedRun {
  std::vector<std::string> frames;
  std::vector<shm::ReadResult> reads;  // per book
  std::vector<shm::Reference> slots;   // per book (known == 0: none read)
  std::uint64_t malformed = 0;
};

// run_to_end, then every slot read and every book checked against the
// simulator's truth.
inline BoundedRun run_and_read(sim::Simulator& simulator, const feeds::VenueModule& module,
                               const config::VenueConfig& venue, VenueSegment& seg,
                               const feeds::SessionOptions& options) {
  BoundedRun r;
  r.frames = run_to_end(simulator, module, venue, *seg.books, options);
  r.malformed = seg.books->counters().malformed;
  for (std::uint32_t i = 0; i < seg.books->size(); ++i) {
    shm::Reference ref;
    r.reads.push_back(seg.reader.read_reference(i, ref));
    r.slots.push_back(ref);
  }
  check_books_equal_truth(*seg.books, simulator.truth(), venue.name);
  return r;
}

}  // namespace wirebook::reftest
