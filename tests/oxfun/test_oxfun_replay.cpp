// Seeded replay: a generated OX.FUN depthUpdate stream (partials answering
// the feed's subscriptions, diffs with a seqNum +1 chain) with injected faults
// (drop, duplicate, reorder, corrupt JSON) through the real feed logic into a
// real shared-memory segment, checked continuously by a reader: no book is
// ever LIVE with levels the venue never had, every break is detected exactly
// once, and every book ends LIVE and equal to the truth (the shared skeleton:
// tests/common/replay_test_util.hpp).
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "feeds/oxfun/oxfun_feed.hpp"
#include "oxfun_test_util.hpp"
#include "tests/common/replay_test_util.hpp"

using namespace wirebook;
using namespace wirebook::replay_test;

namespace {

constexpr int kPxExp = -1;
constexpr int kQtyExp = -3;

// Levels as JSON numbers, as OX.FUN sends them.
std::string levels_json(const Changes& lv) {
  return number_pairs(lv, kPxExp, kQtyExp);
}

std::string book_frame(const char* table, const char* action, const Instrument& in,
                       std::int64_t seq_num, const Changes& bids, const Changes& asks) {
  return std::string(R"({"table":")") + table + R"(","data":{"seqNum":)" + std::to_string(seq_num) +
         R"(,"asks":)" + levels_json(asks) + R"(,"bids":)" + levels_json(bids) +
         R"(,"checksum":1,"marketCode":")" + in.symbol +
         R"(","timestamp":"1700000000000"},"action":")" + action + R"("})";
}

}  // namespace

TEST_CASE("a faulty OX.FUN stream ends LIVE and equal to the truth, never LIVE while broken",
          "[oxfun][replay]") {
  const std::uint64_t seed = seed_from_env();
  INFO("seed " << seed << " (rerun with WIREBOOK_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);

  std::vector<Instrument> ins;
  for (const char* s : {"BTC-USD-SWAP-LIN", "ETH-USD-SWAP-LIN", "SOL-USD-SWAP-LIN"}) {
    ins.emplace_back(s, 190'000, 100, 1000, 2000);  // mid 19000.0, 100 levels a side
  }
  std::vector<std::int64_t> seq(ins.size(), 7000);  // the last diff's seqNum
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& in : ins) specs.push_back({in.symbol, kPxExp, kQtyExp});
  LiveReader shm("oxfun", ins, seed);
  oxfun_test::RecordingOutbox out;
  feeds::VenueBooks books(specs, 4000, 4096, shm.writer());
  feeds::oxfun::OxfunOptions opt;
  opt.request_interval_ns = 1;  // every tick may send
  feeds::oxfun::OxfunFeed feed(books, out, opt);
  std::int64_t mono = 1'000'000'000;
  feed.on_connected(mono);

  Venue v;
  v.deliver = [&](const std::string& text) {
    oxfun_test::Frame f(text);
    mono += 1'000'000;
    (void)feed.on_frame(f.data(), f.len, f.capacity(), 1'700'000'000'000'000'000 + mono, mono);
    shm.check(ins);
  };
  // A subscription (first or after a resync's unsubscribe) is answered with a
  // partial whose seqNum is the next diff's (PROTOCOLS §4.3 rule 4); pings
  // with a pong. The feed sends its paced requests from its timer.
  std::size_t seen = 0;
  v.answer = [&] {
    for (int tick = 0; tick < 3; ++tick) {
      mono += 1'000'000;
      (void)feed.on_timer(mono);
    }
    while (seen < out.sent.size()) {
      const std::string s = out.sent[seen++];
      if (s == "ping") v.deliver("pong");
      if (s.find(R"("op":"subscribe")") == std::string::npos) continue;
      for (std::size_t i = 0; i < ins.size(); ++i) {
        if (s.find("\"depthUpdate:" + ins[i].symbol + "\"") == std::string::npos) continue;
        v.deliver(book_frame("depthUpdate", "partial", ins[i], seq[i] + 1,
                             ins[i].side(book::Side::bid), ins[i].side(book::Side::ask)));
      }
    }
  };
  v.delta = [&](std::size_t i) {
    const Delta d = random_delta(ins[i], rng, DeltaShape{});
    return book_frame("depthUpdate-diff", "increment", ins[i], ++seq[i], d.bids, d.asks);
  };
  v.may_fault = [&](std::size_t i) {
    return books.status(static_cast<std::uint32_t>(i)) == feeds::BookStatus::live;
  };
  v.deliver(R"({"event":"connected","nonce":"1"})");

  const Faults f = run_steps(rng, 30'000, ins.size(), v);
  INFO("injected " << f.total() << " (drop " << f.by_kind[kDrop] << ", dup "
                   << f.by_kind[kDuplicate] << ", reorder " << f.by_kind[kReorder] << ", corrupt "
                   << f.by_kind[kCorrupt] << "), live checks " << shm.live_checks);
  CHECK(f.total() > 100);
  CHECK(books.counters().gaps.load() == f.total());
  CHECK(books.counters().resyncs.load() == f.total());
  CHECK(books.counters().malformed.load() == f.by_kind[kCorrupt]);
  CHECK(shm.live_checks > 10'000);
  check_books_equal(books, ins);
}
