// Seeded replay: a generated Pulse book.<instr>.raw stream with injected faults
// (drop, duplicate, reorder, corrupt JSON) through the real feed logic into a
// real shared-memory segment, checked continuously by a reader: no book is ever
// LIVE with levels the venue never had, every break is detected exactly once,
// and every book ends LIVE and equal to the truth (the shared skeleton:
// tests/common/replay_test_util.hpp).
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "feeds/pulse/pulse_feed.hpp"
#include "pulse_test_util.hpp"
#include "tests/common/replay_test_util.hpp"

using namespace wirebook;
using namespace wirebook::replay_test;

namespace {

constexpr int kExp = -1;  // prices and amounts

std::string head(const std::string& name) {
  return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.)" + name +
         R"(.raw","data":{"timestamp":1700000000000,)";
}

// Entries with their actions: new, change or delete.
std::string entries(const Changes& lv) {
  std::string s;
  for (const Change& c : lv) {
    if (!s.empty()) s += ',';
    const char* action = c.qty == 0 ? "delete" : c.old == 0 ? "new" : "change";
    s += std::string(R"([")") + action + R"(",)" + dec(c.px, kExp) + "," + dec(c.qty, kExp) + "]";
  }
  return s;
}

}  // namespace

TEST_CASE("a faulty Pulse stream ends LIVE and equal to the truth, never LIVE while broken",
          "[pulse][replay]") {
  const std::uint64_t seed = seed_from_env();
  INFO("seed " << seed << " (rerun with WIREBOOK_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);

  std::vector<Instrument> ins;
  for (const char* s : {"BTC-PERPETUAL", "ETH-PERPETUAL", "SOL_USDC-PERPETUAL"}) {
    ins.emplace_back(s, 300'000, 80, 10, 20);  // mid 30000.0, 80 levels a side
  }
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& in : ins) specs.push_back({in.symbol, kExp, kExp});
  LiveReader shm("pulse", ins, seed);
  pulse_test::RecordingOutbox out;
  pulse_test::Frames frames;
  feeds::VenueBooks books(specs, 4000, 16, shm.writer());
  feeds::pulse::PulseFeed feed(books, out, feeds::pulse::PulseOptions{});
  std::int64_t mono = 1'000'000'000;
  std::int64_t change_id = 6'786'952'192;  // shared by every instrument, jumping
  std::vector<std::int64_t> last_change(ins.size());
  for (auto& c : last_change) c = (change_id += 7);
  feed.on_connected(mono);

  Venue v;
  v.clean_after_corrupt = false;
  v.deliver = [&](const std::string& text) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(text, len, cap);
    mono += 1'000'000;
    (void)feed.on_frame(d, len, cap, 1'700'000'000'000'000'000 + mono, mono);
    shm.check(ins);
  };
  auto snapshot = [&](std::size_t i) {
    Changes bids = ins[i].side(book::Side::bid);
    Changes asks = ins[i].side(book::Side::ask);
    for (auto* side : {&bids, &asks}) {
      for (Change& c : *side) c.old = 0;  // every snapshot entry is "new"
    }
    return head(ins[i].symbol) + R"("type":"snapshot","change_id":)" +
           std::to_string(last_change[i]) + R"(,"instrument_name":")" + ins[i].symbol +
           R"(","bids":[)" + entries(bids) + R"(],"asks":[)" + entries(asks) + "]" +
           (rng() % 2 ? R"(,"prev_change_id":0}}})" : "}}}");
  };
  v.delta = [&](std::size_t i) {
    const Delta d = random_delta(ins[i], rng, DeltaShape{5, 100'000, false, true});
    change_id += 1 + static_cast<std::int64_t>(rng() % 30);
    const std::int64_t prev = last_change[i];
    last_change[i] = change_id;
    return head(ins[i].symbol) + R"("type":"change","change_id":)" + std::to_string(change_id) +
           R"(,"instrument_name":")" + ins[i].symbol + R"(","bids":[)" + entries(d.bids) +
           R"(],"asks":[)" + entries(d.asks) + R"(],"prev_change_id":)" + std::to_string(prev) +
           "}}}";
  };
  // Subscriptions (and resubscriptions) are answered with a fresh snapshot.
  std::size_t seen = 0;
  v.answer = [&] {
    while (seen < out.sent.size()) {
      const std::string s = out.sent[seen++];
      if (s.find("public/subscribe") == std::string::npos) continue;
      for (std::size_t i = 0; i < ins.size(); ++i) {
        if (s.find("book." + ins[i].symbol + ".raw") != std::string::npos) v.deliver(snapshot(i));
      }
    }
  };
  v.may_fault = [&](std::size_t i) {
    return books.status(static_cast<std::uint32_t>(i)) == feeds::BookStatus::live;
  };

  const Faults f = run_steps(rng, 20'000, ins.size(), v);
  INFO("injected " << f.total() << ", live checks " << shm.live_checks);
  CHECK(f.total() > 100);
  CHECK(books.counters().gaps.load() == f.total());
  CHECK(shm.live_checks > 10'000);
  check_books_equal(books, ins);
}
