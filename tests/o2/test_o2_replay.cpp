// Seeded replay: a generated O2 stream in the working schema (with its
// variants mixed in) and injected faults (drop, duplicate, reorder, corrupt
// JSON) through the real feed logic into a real shared-memory segment,
// checked continuously by a reader: a LIVE book always equals a state the
// venue really had, every break is counted exactly, and trades reach the ring.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <wirebook/reader.hpp>

#include "book/decimal.hpp"
#include "book/l2_book.hpp"
#include "feeds/o2/o2_feed.hpp"
#include "o2_test_util.hpp"
#include "shm/writer.hpp"

using namespace wirebook;
using book::Level;
using book::Side;
using feeds::BookStatus;

namespace {

constexpr int kPxExp = -2;
constexpr int kQtyExp = -4;
constexpr std::uint32_t kDepth = 20;

std::string dec(std::int64_t v, int exp) {
  char buf[book::kMaxDecimalText];
  return {buf, book::format_decimal(v, exp, buf, sizeof buf)};
}

using Levels = std::vector<std::pair<std::int64_t, std::int64_t>>;

// Levels in one of the accepted encodings, chosen by `style`.
std::string levels_json(const Levels& lv, unsigned style) {
  std::string s = "[";
  for (std::size_t k = 0; k < lv.size(); ++k) {
    if (k) s += ',';
    const std::string p = dec(lv[k].first, kPxExp);
    const std::string q = dec(lv[k].second, kQtyExp);
    switch (style % 3) {
      case 0:
        s += '[' + p + ',' + q + ']';
        break;
      case 1:
        s += "[\"" + p + "\",\"" + q + "\"]";
        break;
      default:
        s += R"({"price":")" + p + R"(","quantity":)" + q + '}';
        break;
    }
  }
  return s + ']';
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

std::uint64_t hash_top(const book::L2Book& bk) {
  Level b[kDepth];
  Level a[kDepth];
  const auto nb = bk.copy_top(Side::bid, b, kDepth);
  const auto na = bk.copy_top(Side::ask, a, kDepth);
  return hash_levels(b, nb, a, na);
}

struct Market {
  std::string symbol;
  std::int64_t id = 0;
  book::L2Book truth{100000};
  std::int64_t seq = 5000;
  std::int64_t ts = 1'700'000'000'000;
  std::int64_t mid = 1'000'000;
  std::set<std::uint64_t> states;
};

}  // namespace

TEST_CASE(
    "a faulty O2 stream ends with every book LIVE and equal to the truth, never LIVE while broken",
    "[o2][replay]") {
  const char* env_seed = std::getenv("WIREBOOK_SEED");
  const std::uint64_t seed =
      env_seed ? std::strtoull(env_seed, nullptr, 10) : std::random_device{}();
  INFO("seed " << seed << " (rerun with WIREBOOK_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);

  const std::string dir = "/dev/shm/wirebook-test-o2-" + std::to_string(::getpid()) + "-" +
                          std::to_string(seed % 100000);
  std::filesystem::remove_all(dir);
  shm::SegmentOptions so;
  so.dir = dir;
  shm::VenueConfig vc;
  vc.name = "o2";
  vc.depth = kDepth;
  vc.ring_capacity = 1U << 14U;
  std::vector<Market> markets(3);
  const char* names[] = {"BTC-USD", "ETH-USD", "SOL-USD"};
  std::vector<feeds::InstrumentSpec> specs;
  feeds::o2::O2Options opt;
  for (std::size_t i = 0; i < markets.size(); ++i) {
    markets[i].symbol = names[i];
    markets[i].id = static_cast<std::int64_t>(i) * 3 + 1;  // 1, 4, 7: ids are not indices
    vc.symbols.push_back(names[i]);
    specs.push_back({names[i], kPxExp, kQtyExp});
    opt.market_ids.push_back(markets[i].id);
  }
  opt.trades = true;
  std::unique_ptr<shm::VenueWriter> writer;
  const auto cs = shm::VenueWriter::create(so, vc, writer);
  INFO("create: " << cs.detail);
  REQUIRE(cs.ok());
  shm::VenueReader reader;
  REQUIRE(shm::VenueReader::open(dir, "o2", reader) == shm::OpenError::ok);
  shm::RingCursor cursor = reader.cursor_from(1);

  o2_test::RecordingOutbox out;
  feeds::VenueBooks books(specs, 4000, 4096, writer.get());
  feeds::o2::O2Feed feed(books, out, opt);
  std::int64_t mono = 1'000'000'000;
  feed.on_connected(mono);

  for (auto& m : markets) {
    for (std::int64_t k = 0; k < 100; ++k) {
      (void)m.truth.set_level(Side::bid, m.mid - 1 - k, 10000 + k);
      (void)m.truth.set_level(Side::ask, m.mid + 1 + k, 20000 + k);
    }
    m.states.insert(hash_top(m.truth));
  }

  std::vector<std::size_t> pending_snapshots;
  std::size_t sent_seen = 0;
  auto collect_subscribes = [&] {
    for (; sent_seen < out.sent.size(); ++sent_seen) {
      const auto& s = out.sent[sent_seen];
      if (s.find(R"("type":"subscribe","channel":"order_book")") == std::string::npos) continue;
      for (std::size_t i = 0; i < markets.size(); ++i) {
        if (s.find("\"market_id\":" + std::to_string(markets[i].id) + "}") != std::string::npos) {
          pending_snapshots.push_back(i);
        }
      }
    }
  };
  std::uint64_t live_checks = 0;
  auto check_reader = [&] {
    shm::Level b[kDepth];
    shm::Level a[kDepth];
    for (std::uint32_t i = 0; i < markets.size(); ++i) {
      shm::BookView view;
      if (reader.read_book(i, view, b, a, kDepth) != shm::ReadResult::ok) continue;
      if (view.top.status != shm::Status::live) continue;
      ++live_checks;
      const bool known = markets[i].states.count(hash_levels(b, view.bids, a, view.asks)) != 0;
      if (!known) {
        INFO("market " << markets[i].symbol << " is LIVE with a book the venue never had");
        REQUIRE(known);
      }
    }
  };
  std::uint64_t ring_trades = 0;
  auto drain_ring = [&] {
    shm::Event ev;
    std::uint64_t lost = 0;
    for (;;) {
      const auto r = reader.poll(cursor, ev, lost);
      if (r == shm::PollResult::nothing) break;
      if (r == shm::PollResult::event && ev.type == shm::EventType::trade) ++ring_trades;
    }
  };
  auto deliver = [&](const std::string& text) {
    std::size_t len = 0;
    std::size_t cap = 0;
    o2_test::Frames f;
    const char* d = f.add(text, len, cap);
    mono += 1'000'000;
    (void)feed.on_frame(d, len, cap, 1'700'000'000'000'000'000 + mono, mono);
    check_reader();
    drain_ring();
    collect_subscribes();
  };
  auto copy_side = [](const book::L2Book& bk, Side s) {
    Levels lv;
    std::vector<Level> tmp(bk.level_count(s) + 1);
    for (std::size_t k = 0, n = bk.copy_top(s, tmp.data(), tmp.size()); k < n; ++k) {
      lv.emplace_back(tmp[k].px, tmp[k].qty);
    }
    return lv;
  };
  // Snapshots alternate between the exact working schema and the nested variant.
  auto snapshot_for = [&](std::size_t i) {
    Market& m = markets[i];
    const unsigned style = static_cast<unsigned>(rng() % 3);
    const std::string bids = levels_json(copy_side(m.truth, Side::bid), style);
    const std::string asks = levels_json(copy_side(m.truth, Side::ask), style);
    if (rng() % 2 == 0) {
      return R"({"channel":"order_book","market_id":)" + std::to_string(m.id) +
             R"(,"type":"snapshot","seq":)" + std::to_string(m.seq) + R"(,"ts":)" +
             std::to_string(m.ts) + R"(,"data":{"bids":)" + bids + R"(,"asks":)" + asks + "}}";
    }
    return R"({"channel":"order_book","data":{"type":"snapshot","market_id":")" +
           std::to_string(m.id) + R"(","sequence":)" + std::to_string(m.seq) + R"(,"asks":)" +
           asks + R"(,"bids":)" + bids + "}}";
  };
  auto flush_snapshots = [&] {
    auto todo = std::move(pending_snapshots);
    pending_snapshots.clear();
    for (std::size_t i : todo) deliver(snapshot_for(i));
  };
  auto make_delta = [&](std::size_t i) {
    Market& m = markets[i];
    Levels bids;
    Levels asks;
    std::geometric_distribution<std::int64_t> dist(0.3);
    const int n = 1 + static_cast<int>(rng() % 6);
    if (rng() % 20 == 0) m.mid += static_cast<std::int64_t>(rng() % 5) - 2;
    for (int k = 0; k < n; ++k) {
      const bool bid = (rng() & 1U) != 0;
      const std::int64_t px = bid ? m.mid - 1 - dist(rng) : m.mid + 1 + dist(rng);
      const std::int64_t qty =
          rng() % 4 == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % 5'000'000);
      auto& lv = bid ? bids : asks;
      bool dup = false;
      for (auto& e : lv) dup = dup || e.first == px;
      if (dup) continue;
      lv.emplace_back(px, qty);
      (void)m.truth.set_level(bid ? Side::bid : Side::ask, px, qty);
    }
    const std::int64_t prev = m.seq;
    ++m.seq;
    m.ts += 1 + static_cast<std::int64_t>(rng() % 300);
    m.states.insert(hash_top(m.truth));
    const unsigned style = static_cast<unsigned>(rng() % 3);
    return R"({"channel":"order_book","market_id":)" + std::to_string(m.id) +
           R"(,"type":"delta","seq":)" + std::to_string(m.seq) + R"(,"prev_seq":)" +
           std::to_string(prev) + R"(,"ts":)" + std::to_string(m.ts) + R"(,"data":{"bids":)" +
           levels_json(bids, style) + R"(,"asks":)" + levels_json(asks, style) + "}}";
  };
  std::uint64_t trades_sent = 0;
  auto make_trade = [&](std::size_t i) {
    const Market& m = markets[i];
    ++trades_sent;
    return R"({"channel":"trades","market_id":)" + std::to_string(m.id) + R"(,"data":[{"price":")" +
           dec(m.mid, kPxExp) + R"(","size":"0.5","side":")" + (rng() % 2 ? "buy" : "sell") +
           R"(","ts":)" + std::to_string(m.ts) + "}]}";
  };

  collect_subscribes();
  flush_snapshots();
  std::uint64_t breaks = 0;  // faults that must be seen as a break
  std::uint64_t dups = 0;
  std::uint64_t by_kind[4] = {0, 0, 0, 0};
  constexpr int kSteps = 30'000;
  for (int step = 0; step < kSteps; ++step) {
    const std::size_t i = rng() % markets.size();
    const bool can_fault = books.status(static_cast<std::uint32_t>(i)) == BookStatus::live &&
                           pending_snapshots.empty() && rng() % 40 == 0;
    if (rng() % 50 == 0) deliver(make_trade(i));
    if (!can_fault) {
      deliver(make_delta(i));
    } else {
      const int kind = static_cast<int>(rng() % 4);
      ++by_kind[kind];
      switch (kind) {
        case 0:  // drop
          ++breaks;
          (void)make_delta(i);
          deliver(make_delta(i));
          break;
        case 1: {  // duplicate: dropped as stale, never a break
          ++dups;
          const auto f = make_delta(i);
          deliver(f);
          deliver(f);
          break;
        }
        case 2: {  // reorder
          ++breaks;
          const auto a = make_delta(i);
          const auto b = make_delta(i);
          deliver(b);
          deliver(a);
          break;
        }
        default: {  // corrupt: truncated JSON
          ++breaks;
          const auto f = make_delta(i);
          deliver(f.substr(0, f.size() / 2 + rng() % (f.size() / 2)));
          deliver(make_delta(i));
          break;
        }
      }
    }
    flush_snapshots();
  }
  for (std::size_t i = 0; i < markets.size(); ++i) deliver(make_delta(i));
  flush_snapshots();

  INFO("faults: drop " << by_kind[0] << ", dup " << by_kind[1] << ", reorder " << by_kind[2]
                       << ", corrupt " << by_kind[3] << "; live checks " << live_checks);
  CHECK(breaks + dups > 100);
  CHECK(books.counters().gaps.load() == breaks);
  CHECK(books.counters().resyncs.load() == breaks);
  CHECK(books.counters().malformed.load() == by_kind[3]);
  CHECK(books.counters().stale_dropped.load() >= dups);
  CHECK(live_checks > 10'000);
  CHECK(trades_sent > 100);
  CHECK(feed.o2_counters().trades == trades_sent);
  CHECK(ring_trades == trades_sent);
  for (std::uint32_t i = 0; i < markets.size(); ++i) {
    INFO("market " << markets[i].symbol);
    CHECK(books.status(i) == BookStatus::live);
    std::vector<Level> got(4000);
    std::vector<Level> want(4000);
    for (const Side s : {Side::bid, Side::ask}) {
      got.resize(books.book(i).copy_top(s, got.data(), 4000));
      want.resize(markets[i].truth.copy_top(s, want.data(), 4000));
      CHECK(got == want);
      got.resize(4000);
      want.resize(4000);
    }
  }
  writer.reset();
  std::filesystem::remove_all(dir);
}
