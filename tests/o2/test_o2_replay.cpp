// Seeded replay: a generated O2 stream in the working schema (with its
// variants mixed in) and injected faults (drop, duplicate, reorder, corrupt
// JSON) through the real feed logic into a real shared-memory segment,
// checked continuously by a reader: a LIVE book always equals a state the
// venue really had, every break is counted exactly, and trades reach the ring
// (the shared skeleton: tests/common/replay_test_util.hpp).
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "feeds/o2/o2_feed.hpp"
#include "o2_test_util.hpp"
#include "tests/common/replay_test_util.hpp"

using namespace wirebook;
using namespace wirebook::replay_test;

namespace {

constexpr int kPxExp = -2;
constexpr int kQtyExp = -4;

// Levels in one of the accepted encodings, chosen by `style`.
std::string levels_json(const Changes& lv, unsigned style) {
  std::string s = "[";
  for (std::size_t k = 0; k < lv.size(); ++k) {
    if (k) s += ',';
    const std::string p = dec(lv[k].px, kPxExp);
    const std::string q = dec(lv[k].qty, kQtyExp);
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

}  // namespace

TEST_CASE(
    "a faulty O2 stream ends with every book LIVE and equal to the truth, never LIVE while broken",
    "[o2][replay]") {
  const std::uint64_t seed = seed_from_env();
  INFO("seed " << seed << " (rerun with WIREBOOK_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);

  std::vector<Instrument> ins;
  for (const char* s : {"BTC-USD", "ETH-USD", "SOL-USD"}) {
    ins.emplace_back(s, 1'000'000, 100, 10000, 20000);  // mid 10000.00, 100 levels a side
  }
  std::vector<std::int64_t> ids;  // 1, 4, 7: ids are not indices
  std::vector<std::int64_t> seq(ins.size(), 5000);
  std::vector<std::int64_t> ts(ins.size(), 1'700'000'000'000);
  std::vector<feeds::InstrumentSpec> specs;
  feeds::o2::O2Options opt;
  for (std::size_t i = 0; i < ins.size(); ++i) {
    ids.push_back(static_cast<std::int64_t>(i) * 3 + 1);
    specs.push_back({ins[i].symbol, kPxExp, kQtyExp});
    opt.market_ids.push_back(ids[i]);
  }
  opt.trades = true;
  LiveReader shm("o2", ins, seed);
  shm::RingCursor cursor = shm.reader().cursor_from(1);
  o2_test::RecordingOutbox out;
  feeds::VenueBooks books(specs, 4000, 4096, shm.writer());
  feeds::o2::O2Feed feed(books, out, opt);
  std::int64_t mono = 1'000'000'000;
  feed.on_connected(mono);

  // Subscriptions the feed sent and we have not answered with a snapshot yet.
  std::vector<std::size_t> pending;
  std::size_t sent_seen = 0;
  auto collect_subscribes = [&] {
    for (; sent_seen < out.sent.size(); ++sent_seen) {
      const auto& s = out.sent[sent_seen];
      if (s.find(R"("type":"subscribe","channel":"order_book")") == std::string::npos) continue;
      for (std::size_t i = 0; i < ins.size(); ++i) {
        if (s.find("\"market_id\":" + std::to_string(ids[i]) + "}") != std::string::npos) {
          pending.push_back(i);
        }
      }
    }
  };
  std::uint64_t ring_trades = 0;
  auto drain_ring = [&] {
    shm::Event ev;
    std::uint64_t lost = 0;
    for (;;) {
      const auto r = shm.reader().poll(cursor, ev, lost);
      if (r == shm::PollResult::nothing) break;
      if (r == shm::PollResult::event && ev.type == shm::EventType::trade) ++ring_trades;
    }
  };
  Venue v;
  v.deliver = [&](const std::string& text) {
    std::size_t len = 0;
    std::size_t cap = 0;
    o2_test::Frames f;
    const char* d = f.add(text, len, cap);
    mono += 1'000'000;
    (void)feed.on_frame(d, len, cap, 1'700'000'000'000'000'000 + mono, mono);
    shm.check(ins);
    drain_ring();
    collect_subscribes();
  };
  // Snapshots alternate between the exact working schema and the nested variant.
  auto snapshot_for = [&](std::size_t i) {
    const unsigned style = static_cast<unsigned>(rng() % 3);
    const std::string bids = levels_json(ins[i].side(book::Side::bid), style);
    const std::string asks = levels_json(ins[i].side(book::Side::ask), style);
    if (rng() % 2 == 0) {
      return R"({"channel":"order_book","market_id":)" + std::to_string(ids[i]) +
             R"(,"type":"snapshot","seq":)" + std::to_string(seq[i]) + R"(,"ts":)" +
             std::to_string(ts[i]) + R"(,"data":{"bids":)" + bids + R"(,"asks":)" + asks + "}}";
    }
    return R"({"channel":"order_book","data":{"type":"snapshot","market_id":")" +
           std::to_string(ids[i]) + R"(","sequence":)" + std::to_string(seq[i]) + R"(,"asks":)" +
           asks + R"(,"bids":)" + bids + "}}";
  };
  v.answer = [&] {
    collect_subscribes();
    auto todo = std::move(pending);
    pending.clear();
    for (std::size_t i : todo) v.deliver(snapshot_for(i));
  };
  v.delta = [&](std::size_t i) {
    const Delta d = random_delta(ins[i], rng, DeltaShape{});
    const std::int64_t prev = seq[i]++;
    ts[i] += 1 + static_cast<std::int64_t>(rng() % 300);
    const unsigned style = static_cast<unsigned>(rng() % 3);
    return R"({"channel":"order_book","market_id":)" + std::to_string(ids[i]) +
           R"(,"type":"delta","seq":)" + std::to_string(seq[i]) + R"(,"prev_seq":)" +
           std::to_string(prev) + R"(,"ts":)" + std::to_string(ts[i]) + R"(,"data":{"bids":)" +
           levels_json(d.bids, style) + R"(,"asks":)" + levels_json(d.asks, style) + "}}";
  };
  v.may_fault = [&](std::size_t i) {
    return books.status(static_cast<std::uint32_t>(i)) == feeds::BookStatus::live &&
           pending.empty();
  };
  std::uint64_t trades_sent = 0;
  v.extra = [&](std::size_t i) {  // a trade one step in 50
    if (rng() % 50 != 0) return;
    ++trades_sent;
    v.deliver(R"({"channel":"trades","market_id":)" + std::to_string(ids[i]) +
              R"(,"data":[{"price":")" + dec(ins[i].mid, kPxExp) + R"(","size":"0.5","side":")" +
              (rng() % 2 ? "buy" : "sell") + R"(","ts":)" + std::to_string(ts[i]) + "}]}");
  };

  const Faults f = run_steps(rng, 30'000, ins.size(), v);
  // A duplicate is dropped as stale, never a break; every other fault is one.
  const std::uint64_t breaks = f.by_kind[kDrop] + f.by_kind[kReorder] + f.by_kind[kCorrupt];
  const std::uint64_t dups = f.by_kind[kDuplicate];
  INFO("faults: drop " << f.by_kind[kDrop] << ", dup " << dups << ", reorder "
                       << f.by_kind[kReorder] << ", corrupt " << f.by_kind[kCorrupt]
                       << "; live checks " << shm.live_checks);
  CHECK(breaks + dups > 100);
  CHECK(books.counters().gaps.load() == breaks);
  CHECK(books.counters().resyncs.load() == breaks);
  CHECK(books.counters().malformed.load() == f.by_kind[kCorrupt]);
  CHECK(books.counters().stale_dropped.load() >= dups);
  CHECK(shm.live_checks > 10'000);
  CHECK(trades_sent > 100);
  CHECK(feed.o2_counters().trades == trades_sent);
  CHECK(ring_trades == trades_sent);
  check_books_equal(books, ins);
}
