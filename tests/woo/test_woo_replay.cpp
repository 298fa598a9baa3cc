// Seeded replay: a generated WOO X v2 stream with injected faults (drop,
// duplicate, reorder, corrupt JSON) through the real feed logic into a real
// shared-memory segment, checked continuously by a reader.
#include <catch2/catch.hpp>

#include <sys/stat.h>
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
#include "feeds/woo/woo_feed.hpp"
#include "shm/writer.hpp"
#include "woo_test_util.hpp"

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

std::string levels_json(const std::vector<std::pair<std::int64_t, std::int64_t>>& lv) {
  std::string s = "[";
  for (std::size_t k = 0; k < lv.size(); ++k) {
    if (k) s += ',';
    s += '[' + dec(lv[k].first, kPxExp) + ',' + dec(lv[k].second, kQtyExp) + ']';
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

struct Venue {
  std::string symbol;
  book::L2Book truth{100000};
  std::int64_t ts = 1'700'000'000'000;
  std::int64_t mid = 1'000'000;    // 10000.00
  std::set<std::uint64_t> states;  // hashes of every truth top-of-book state
};

}  // namespace

TEST_CASE(
    "a faulty WOO stream ends with every book LIVE and equal to the truth, never LIVE while broken",
    "[woo][replay]") {
  const char* env_seed = std::getenv("WIREBOOK_SEED");
  const std::uint64_t seed =
      env_seed ? std::strtoull(env_seed, nullptr, 10) : std::random_device{}();
  INFO("seed " << seed << " (rerun with WIREBOOK_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);

  const std::string dir = "/dev/shm/wirebook-test-woo-" + std::to_string(::getpid()) + "-" +
                          std::to_string(seed % 100000);
  std::filesystem::remove_all(dir);
  shm::SegmentOptions so;
  so.dir = dir;
  shm::VenueConfig vc;
  vc.name = "woo";
  vc.depth = kDepth;
  vc.ring_capacity = 1U << 14U;
  std::vector<Venue> venues(3);
  venues[0].symbol = "SPOT_BTC_USDT";
  venues[1].symbol = "PERP_ETH_USDT";
  venues[2].symbol = "SPOT_WOO_USDT";
  std::vector<feeds::InstrumentSpec> specs;
  for (auto& v : venues) {
    vc.symbols.push_back(v.symbol);
    specs.push_back({v.symbol, kPxExp, kQtyExp});
  }
  std::unique_ptr<shm::VenueWriter> writer;
  const auto cs = shm::VenueWriter::create(so, vc, writer);
  INFO("create: " << cs.detail);
  REQUIRE(cs.ok());
  shm::VenueReader reader;
  REQUIRE(shm::VenueReader::open(dir, "woo", reader) == shm::OpenError::ok);

  woo_test::RecordingOutbox out;
  feeds::VenueBooks books(specs, 4000, 4096, writer.get());
  feeds::woo::WooFeed feed(books, out, feeds::woo::WooOptions{});
  std::int64_t mono = 1'000'000'000;
  feed.on_connected(mono);

  // Initial truth books: 100 levels a side.
  for (auto& v : venues) {
    for (std::int64_t k = 0; k < 100; ++k) {
      (void)v.truth.set_level(Side::bid, v.mid - 1 - k, 10000 + k);
      (void)v.truth.set_level(Side::ask, v.mid + 1 + k, 20000 + k);
    }
    v.states.insert(hash_top(v.truth));
  }

  std::vector<std::size_t> pending_replies;
  std::size_t requests_seen = 0;
  auto collect_requests = [&] {
    for (; requests_seen < out.sent.size(); ++requests_seen) {
      const auto& s = out.sent[requests_seen];
      if (s.find(R"("event":"request")") == std::string::npos) continue;
      for (std::size_t i = 0; i < venues.size(); ++i) {
        if (s.find('"' + venues[i].symbol + '"') != std::string::npos) pending_replies.push_back(i);
      }
    }
  };
  std::uint64_t live_checks = 0;
  auto check_reader = [&] {
    shm::Level b[kDepth];
    shm::Level a[kDepth];
    for (std::uint32_t i = 0; i < venues.size(); ++i) {
      shm::BookView view;
      if (reader.read_book(i, view, b, a, kDepth) != shm::ReadResult::ok) continue;
      if (view.top.status != shm::Status::live) continue;
      ++live_checks;
      const bool known = venues[i].states.count(hash_levels(b, view.bids, a, view.asks)) != 0;
      if (!known) {
        INFO("symbol " << venues[i].symbol << " is LIVE with a book the venue never had");
        REQUIRE(known);
      }
    }
  };
  auto deliver = [&](const std::string& text) {
    woo_test::Frame f(text);
    mono += 1'000'000;
    (void)feed.on_frame(f.data(), f.len, f.capacity(), 1'700'000'000'000'000'000 + mono, mono);
    check_reader();
    collect_requests();
  };
  auto reply_for = [&](std::size_t i) {
    Venue& v = venues[i];
    std::vector<std::pair<std::int64_t, std::int64_t>> bids;
    std::vector<std::pair<std::int64_t, std::int64_t>> asks;
    std::vector<Level> tmp(v.truth.level_count(Side::bid) + v.truth.level_count(Side::ask) + 1);
    for (std::size_t k = 0, n = v.truth.copy_top(Side::bid, tmp.data(), tmp.size()); k < n; ++k) {
      bids.emplace_back(tmp[k].px, tmp[k].qty);
    }
    for (std::size_t k = 0, n = v.truth.copy_top(Side::ask, tmp.data(), tmp.size()); k < n; ++k) {
      asks.emplace_back(tmp[k].px, tmp[k].qty);
    }
    return R"({"id":"r)" + std::to_string(i) + R"(","event":"request","success":true,"ts":)" +
           std::to_string(v.ts + 3) + R"(,"data":{"symbol":")" + v.symbol + R"(","ts":)" +
           std::to_string(v.ts) + R"(,"asks":)" + levels_json(asks) + R"(,"bids":)" +
           levels_json(bids) + "}}";
  };
  auto flush_replies = [&] {
    auto todo = std::move(pending_replies);
    pending_replies.clear();
    for (std::size_t i : todo) deliver(reply_for(i));
  };
  // One truth delta for venue i: returns its frame text.
  auto make_delta = [&](std::size_t i) {
    Venue& v = venues[i];
    std::vector<std::pair<std::int64_t, std::int64_t>> bids;
    std::vector<std::pair<std::int64_t, std::int64_t>> asks;
    std::geometric_distribution<std::int64_t> dist(0.3);
    const int n = 1 + static_cast<int>(rng() % 6);
    if (rng() % 20 == 0) v.mid += static_cast<std::int64_t>(rng() % 5) - 2;
    for (int k = 0; k < n; ++k) {
      const bool bid = (rng() & 1U) != 0;
      const std::int64_t px = bid ? v.mid - 1 - dist(rng) : v.mid + 1 + dist(rng);
      const std::int64_t qty =
          rng() % 4 == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % 5'000'000);
      // One change per price per side within a frame.
      auto& lv = bid ? bids : asks;
      bool dup = false;
      for (auto& e : lv) dup = dup || e.first == px;
      if (dup) continue;
      lv.emplace_back(px, qty);
      (void)v.truth.set_level(bid ? Side::bid : Side::ask, px, qty);
    }
    const std::int64_t prev = v.ts;
    v.ts += 1 + static_cast<std::int64_t>(rng() % 300);
    v.states.insert(hash_top(v.truth));
    return R"({"topic":")" + v.symbol + R"(@orderbookupdate","ts":)" + std::to_string(v.ts) +
           R"(,"data":{"symbol":")" + v.symbol + R"(","prevTs":)" + std::to_string(prev) +
           R"(,"asks":)" + levels_json(asks) + R"(,"bids":)" + levels_json(bids) + "}}";
  };

  collect_requests();
  flush_replies();  // answer the initial requests
  std::uint64_t injected = 0;
  std::uint64_t by_kind[4] = {0, 0, 0, 0};
  constexpr int kSteps = 30'000;
  for (int step = 0; step < kSteps; ++step) {
    const std::size_t i = rng() % venues.size();
    const bool can_fault = books.status(static_cast<std::uint32_t>(i)) == BookStatus::live &&
                           pending_replies.empty() && rng() % 40 == 0;
    if (!can_fault) {
      deliver(make_delta(i));
    } else {
      const int kind = static_cast<int>(rng() % 4);
      ++injected;
      ++by_kind[kind];
      switch (kind) {
        case 0:  // drop: the venue changed the book, we never see it
          (void)make_delta(i);
          deliver(make_delta(i));
          break;
        case 1: {  // duplicate
          const auto f = make_delta(i);
          deliver(f);
          deliver(f);
          break;
        }
        case 2: {  // reorder
          const auto a = make_delta(i);
          const auto b = make_delta(i);
          deliver(b);
          deliver(a);
          break;
        }
        default: {  // corrupt: truncated JSON
          const auto f = make_delta(i);
          deliver(f.substr(0, f.size() / 2 + rng() % (f.size() / 2)));
          deliver(make_delta(i));
          break;
        }
      }
    }
    flush_replies();
  }
  // Every symbol gets one more clean delta, then outstanding replies.
  for (std::size_t i = 0; i < venues.size(); ++i) deliver(make_delta(i));
  flush_replies();

  INFO("injected " << injected << " (drop " << by_kind[0] << ", dup " << by_kind[1] << ", reorder "
                   << by_kind[2] << ", corrupt " << by_kind[3] << "), live checks " << live_checks);
  CHECK(injected > 100);
  CHECK(books.counters().gaps.load() == injected);
  CHECK(books.counters().resyncs.load() == injected);
  CHECK(live_checks > 10'000);
  for (std::uint32_t i = 0; i < venues.size(); ++i) {
    INFO("symbol " << venues[i].symbol);
    CHECK(books.status(i) == BookStatus::live);
    std::vector<Level> got(4000);
    std::vector<Level> want(4000);
    for (const Side s : {Side::bid, Side::ask}) {
      got.resize(books.book(i).copy_top(s, got.data(), 4000));
      want.resize(venues[i].truth.copy_top(s, want.data(), 4000));
      CHECK(got == want);
      got.resize(4000);
      want.resize(4000);
    }
  }
  writer.reset();
  std::filesystem::remove_all(dir);
}
