// Seeded replay: a generated WOO X v2 stream with injected faults (drop,
// duplicate, reorder, corrupt JSON) through the real feed logic into a real
// shared-memory segment, checked continuously by a reader (the shared
// skeleton: tests/common/replay_test_util.hpp).
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "feeds/woo/woo_feed.hpp"
#include "tests/common/replay_test_util.hpp"
#include "woo_test_util.hpp"

using namespace wirebook;
using namespace wirebook::replay_test;

namespace {

constexpr int kPxExp = -2;
constexpr int kQtyExp = -4;

std::string levels_json(const Changes& lv) {
  return number_pairs(lv, kPxExp, kQtyExp);
}

}  // namespace

TEST_CASE(
    "a faulty WOO stream ends with every book LIVE and equal to the truth, never LIVE while broken",
    "[woo][replay]") {
  const std::uint64_t seed = seed_from_env();
  INFO("seed " << seed << " (rerun with WIREBOOK_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);

  std::vector<Instrument> ins;
  for (const char* s : {"SPOT_BTC_USDT", "PERP_ETH_USDT", "SPOT_WOO_USDT"}) {
    ins.emplace_back(s, 1'000'000, 100, 10000, 20000);  // mid 10000.00, 100 levels a side
  }
  std::vector<std::int64_t> ts(ins.size(), 1'700'000'000'000);
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& in : ins) specs.push_back({in.symbol, kPxExp, kQtyExp});
  LiveReader shm("woo", ins, seed);
  woo_test::RecordingOutbox out;
  feeds::VenueBooks books(specs, 4000, 4096, shm.writer());
  feeds::woo::WooFeed feed(books, out, feeds::woo::WooOptions{});
  std::int64_t mono = 1'000'000'000;
  feed.on_connected(mono);

  // Snapshot requests the feed sent and we have not answered yet.
  std::vector<std::size_t> pending;
  std::size_t requests_seen = 0;
  auto collect_requests = [&] {
    for (; requests_seen < out.sent.size(); ++requests_seen) {
      const auto& s = out.sent[requests_seen];
      if (s.find(R"("event":"request")") == std::string::npos) continue;
      for (std::size_t i = 0; i < ins.size(); ++i) {
        if (s.find('"' + ins[i].symbol + '"') != std::string::npos) pending.push_back(i);
      }
    }
  };
  Venue v;
  v.deliver = [&](const std::string& text) {
    woo_test::Frame f(text);
    mono += 1'000'000;
    (void)feed.on_frame(f.data(), f.len, f.capacity(), 1'700'000'000'000'000'000 + mono, mono);
    shm.check(ins);
    collect_requests();
  };
  auto reply_for = [&](std::size_t i) {
    return R"({"id":"r)" + std::to_string(i) + R"(","event":"request","success":true,"ts":)" +
           std::to_string(ts[i] + 3) + R"(,"data":{"symbol":")" + ins[i].symbol + R"(","ts":)" +
           std::to_string(ts[i]) + R"(,"asks":)" + levels_json(ins[i].side(book::Side::ask)) +
           R"(,"bids":)" + levels_json(ins[i].side(book::Side::bid)) + "}}";
  };
  v.answer = [&] {
    collect_requests();
    auto todo = std::move(pending);
    pending.clear();
    for (std::size_t i : todo) v.deliver(reply_for(i));
  };
  v.delta = [&](std::size_t i) {
    const Delta d = random_delta(ins[i], rng, DeltaShape{});
    const std::int64_t prev = ts[i];
    ts[i] += 1 + static_cast<std::int64_t>(rng() % 300);
    return R"({"topic":")" + ins[i].symbol + R"(@orderbookupdate","ts":)" + std::to_string(ts[i]) +
           R"(,"data":{"symbol":")" + ins[i].symbol + R"(","prevTs":)" + std::to_string(prev) +
           R"(,"asks":)" + levels_json(d.asks) + R"(,"bids":)" + levels_json(d.bids) + "}}";
  };
  v.may_fault = [&](std::size_t i) {
    return books.status(static_cast<std::uint32_t>(i)) == feeds::BookStatus::live &&
           pending.empty();
  };

  const Faults f = run_steps(rng, 30'000, ins.size(), v);
  INFO("injected " << f.total() << " (drop " << f.by_kind[kDrop] << ", dup "
                   << f.by_kind[kDuplicate] << ", reorder " << f.by_kind[kReorder] << ", corrupt "
                   << f.by_kind[kCorrupt] << "), live checks " << shm.live_checks);
  CHECK(f.total() > 100);
  CHECK(books.counters().gaps.load() == f.total());
  CHECK(books.counters().resyncs.load() == f.total());
  CHECK(shm.live_checks > 10'000);
  check_books_equal(books, ins);
}
