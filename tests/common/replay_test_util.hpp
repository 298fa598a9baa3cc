#pragma once
// The skeleton every venue's seeded replay test shares (tests/<venue>/
// test_<venue>_replay.cpp): per instrument a truth book with every top-of-book
// state it went through; a real shared-memory segment whose reader checks
// after every frame that no LIVE book is one the venue never had; random
// deltas applied to the truth; the step loop with the four chain faults (drop,
// duplicate, reorder, corrupt JSON); and the final comparison with the truth.
// A venue's test supplies only its frame texts and how it answers the feed's
// requests (a snapshot reply, a resubscription).
#include <unistd.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <wirebook/reader.hpp>

#include "book/decimal.hpp"
#include "book/l2_book.hpp"
#include "feeds/common/venue_books.hpp"
#include "shm/writer.hpp"

namespace wirebook::replay_test {

constexpr std::uint32_t kDepth = 20;  // levels the reader checks per side

// WIREBOOK_SEED when set, else a random seed (the caller prints it).
inline std::uint64_t seed_from_env() {
  const char* env = std::getenv("WIREBOOK_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device{}();
}

inline std::string dec(std::int64_t v, int exp) {
  char buf[book::kMaxDecimalText];
  return {buf, book::format_decimal(v, exp, buf, sizeof buf)};
}

template <class L>
std::uint64_t hash_levels(const L* b, std::size_t nb, const L* a, std::size_t na) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::int64_t v) { h = (h ^ static_cast<std::uint64_t>(v)) * 1099511628211ULL; };
  for (std::size_t k = 0; k < nb; ++k) {
    mix(b[k].px);
    mix(b[k].qty);
  }
  mix(-1);
  for (std::size_t k = 0; k < na; ++k) {
    mix(a[k].px);
    mix(a[k].qty);
  }
  return h;
}

inline std::uint64_t hash_top(const book::L2Book& bk) {
  book::Level b[kDepth];
  book::Level a[kDepth];
  const auto nb = bk.copy_top(book::Side::bid, b, kDepth);
  const auto na = bk.copy_top(book::Side::ask, a, kDepth);
  return hash_levels(b, nb, a, na);
}

// One changed level: its new quantity (0 deletes) and the one it replaced.
struct Change {
  std::int64_t px = 0;
  std::int64_t qty = 0;
  std::int64_t old = 0;
};
using Changes = std::vector<Change>;

// One instrument of the generated venue.
struct Instrument {
  Instrument(std::string name, std::int64_t start_mid, std::int64_t levels, std::int64_t bid_qty,
             std::int64_t ask_qty)
      : symbol(std::move(name)), mid(start_mid) {
    for (std::int64_t k = 0; k < levels; ++k) {
      (void)truth.set_level(book::Side::bid, mid - 1 - k, bid_qty + k);
      (void)truth.set_level(book::Side::ask, mid + 1 + k, ask_qty + k);
    }
    remember();
  }
  void remember() { states.insert(hash_top(truth)); }
  // The truth's whole side, best first.
  [[nodiscard]] Changes side(book::Side s) const {
    std::vector<book::Level> tmp(truth.level_count(s) + 1);
    Changes out;
    for (std::size_t k = 0, n = truth.copy_top(s, tmp.data(), tmp.size()); k < n; ++k) {
      out.push_back({tmp[k].px, tmp[k].qty, 0});
    }
    return out;
  }

  std::string symbol;
  book::L2Book truth{100000};
  std::int64_t mid;
  std::set<std::uint64_t> states;  // every top-of-book state the truth had
};

// Levels as a JSON array of [price, quantity] number pairs.
inline std::string number_pairs(const Changes& lv, int px_exp, int qty_exp) {
  std::string s = "[";
  for (std::size_t k = 0; k < lv.size(); ++k) {
    if (k) s += ',';
    s += '[' + dec(lv[k].px, px_exp) + ',' + dec(lv[k].qty, qty_exp) + ']';
  }
  return s + ']';
}

// How random deltas look: 1..max_changes changes a few ticks from the mid
// (one per price and side), a delete one time in four, else 1..max_qty.
struct DeltaShape {
  int max_changes = 6;
  std::int64_t max_qty = 5'000'000;
  bool drift = true;            // the mid moves by -2..2 one delta in 20
  bool skip_unchanged = false;  // drop a change to the quantity already there
};

struct Delta {
  Changes bids;
  Changes asks;
};

// One random delta, applied to the truth (whose new state is remembered).
inline Delta random_delta(Instrument& in, std::mt19937_64& rng, const DeltaShape& shape) {
  Delta d;
  std::geometric_distribution<std::int64_t> dist(0.3);
  const int n = 1 + static_cast<int>(rng() % static_cast<unsigned>(shape.max_changes));
  if (shape.drift && rng() % 20 == 0) in.mid += static_cast<std::int64_t>(rng() % 5) - 2;
  for (int k = 0; k < n; ++k) {
    const bool bid = (rng() & 1U) != 0;
    const book::Side side = bid ? book::Side::bid : book::Side::ask;
    const std::int64_t px = bid ? in.mid - 1 - dist(rng) : in.mid + 1 + dist(rng);
    const std::int64_t qty =
        rng() % 4 == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % shape.max_qty);
    const std::int64_t old = in.truth.qty_at(side, px);
    if (shape.skip_unchanged && qty == old) continue;
    Changes& lv = bid ? d.bids : d.asks;
    bool dup = false;
    for (const Change& c : lv) dup = dup || c.px == px;
    if (dup) continue;
    lv.push_back({px, qty, old});
    (void)in.truth.set_level(side, px, qty);
  }
  in.remember();
  return d;
}

// A venue segment in /dev/shm and a reader that, after every frame, checks
// that each LIVE book is a state its instrument really had.
class LiveReader {
 public:
  LiveReader(const std::string& venue, const std::vector<Instrument>& ins, std::uint64_t seed)
      : venue_(venue),
        dir_("/dev/shm/wirebook-test-" + venue + "-" + std::to_string(::getpid()) + "-" +
             std::to_string(seed % 100000)) {
    std::filesystem::remove_all(dir_);
    shm::SegmentOptions so;
    so.dir = dir_;
    shm::VenueConfig vc;
    vc.name = venue;
    vc.depth = kDepth;
    vc.ring_capacity = 1U << 14U;
    for (const Instrument& in : ins) vc.symbols.push_back(in.symbol);
    const auto cs = shm::VenueWriter::create(so, vc, writer_);
    INFO("create: " << cs.detail);
    REQUIRE(cs.ok());
    REQUIRE(shm::VenueReader::open(dir_, venue, reader_) == shm::OpenError::ok);
  }
  ~LiveReader() {
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }
  LiveReader(const LiveReader&) = delete;
  LiveReader& operator=(const LiveReader&) = delete;

  [[nodiscard]] shm::VenueWriter* writer() const { return writer_.get(); }
  [[nodiscard]] shm::VenueReader& reader() { return reader_; }

  void check(const std::vector<Instrument>& ins) {
    shm::Level b[kDepth];
    shm::Level a[kDepth];
    for (std::uint32_t i = 0; i < ins.size(); ++i) {
      shm::BookView view;
      if (reader_.read_book(i, view, b, a, kDepth) != shm::ReadResult::ok) continue;
      if (view.top.status != shm::Status::live) continue;
      ++live_checks;
      const bool known = ins[i].states.count(hash_levels(b, view.bids, a, view.asks)) != 0;
      if (!known) {
        INFO(ins[i].symbol << " is LIVE with a book the venue never had");
        REQUIRE(known);
      }
    }
  }
  std::uint64_t live_checks = 0;

 private:
  std::string venue_;
  std::string dir_;
  std::unique_ptr<shm::VenueWriter> writer_;
  shm::VenueReader reader_;
};

enum Fault : std::size_t { kDrop = 0, kDuplicate = 1, kReorder = 2, kCorrupt = 3 };

// What the step loop needs from a venue's test.
struct Venue {
  std::function<std::string(std::size_t)> delta;     // the next delta frame of instrument i
  std::function<void(const std::string&)> deliver;   // one frame to the feed (and the checks)
  std::function<bool(std::size_t)> may_fault;        // instrument i may take a fault now
  std::function<void()> answer;                      // answer what the feed asked for
  std::function<void(std::size_t)> extra = nullptr;  // optional: before each step (trades)
  bool clean_after_corrupt = true;  // a clean delta follows the corrupt frame at once
};

struct Faults {
  std::array<std::uint64_t, 4> by_kind{};
  [[nodiscard]] std::uint64_t total() const {
    return by_kind[kDrop] + by_kind[kDuplicate] + by_kind[kReorder] + by_kind[kCorrupt];
  }
};

inline void inject(Fault kind, std::size_t i, const Venue& v, std::mt19937_64& rng) {
  switch (kind) {
    case kDrop:  // the venue changed the book; we never see it
      (void)v.delta(i);
      v.deliver(v.delta(i));
      break;
    case kDuplicate: {
      const auto f = v.delta(i);
      v.deliver(f);
      v.deliver(f);
      break;
    }
    case kReorder: {
      const auto a = v.delta(i);
      const auto b = v.delta(i);
      v.deliver(b);
      v.deliver(a);
      break;
    }
    case kCorrupt: {  // truncated JSON
      const auto f = v.delta(i);
      v.deliver(f.substr(0, f.size() / 2 + rng() % (f.size() / 2)));
      if (v.clean_after_corrupt) v.deliver(v.delta(i));
      break;
    }
  }
}

// `steps` steps over `instruments`: each a clean delta, or (one in 40 when the
// venue allows) a fault; then one more clean delta per instrument and the
// last answers.
inline Faults run_steps(std::mt19937_64& rng, int steps, std::size_t instruments, const Venue& v) {
  Faults f;
  v.answer();
  for (int step = 0; step < steps; ++step) {
    const std::size_t i = rng() % instruments;
    const bool fault = v.may_fault(i) && rng() % 40 == 0;
    if (v.extra) v.extra(i);
    if (!fault) {
      v.deliver(v.delta(i));
    } else {
      const auto kind = static_cast<Fault>(rng() % 4);
      ++f.by_kind[kind];
      inject(kind, i, v, rng);
    }
    v.answer();
  }
  for (std::size_t i = 0; i < instruments; ++i) v.deliver(v.delta(i));
  v.answer();
  return f;
}

// Every book LIVE and equal to its truth, level for level.
inline void check_books_equal(const feeds::VenueBooks& books, const std::vector<Instrument>& ins) {
  for (std::uint32_t i = 0; i < ins.size(); ++i) {
    INFO("symbol " << ins[i].symbol);
    CHECK(books.status(i) == feeds::BookStatus::live);
    for (const book::Side s : {book::Side::bid, book::Side::ask}) {
      std::vector<book::Level> got(4000);
      std::vector<book::Level> want(4000);
      got.resize(books.book(i).copy_top(s, got.data(), got.size()));
      want.resize(ins[i].truth.copy_top(s, want.data(), want.size()));
      CHECK(got == want);
    }
  }
}

}  // namespace wirebook::replay_test
