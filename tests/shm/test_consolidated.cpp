// The consolidated segment (DESIGN §9a): spec checks, lines written from
// books and status changes, the best across trusted members at different
// exponents, liveness (daemon and each venue thread), and a torture run of
// concurrent line writers (one thread per venue) against readers.
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>
#include <vector>

#include <wirebook/reader.h>
#include <wirebook/consolidated_reader.hpp>

#include "book/l2_book.hpp"
#include "shm/consolidated_writer.hpp"
#include "tests/shm/test_util.hpp"

using namespace wirebook::shm;
using wirebook::book::L2Book;
using wirebook::book::Side;
namespace t = wirebook::shm::test;

namespace {

SegmentOptions options_for(const t::TempDir& dir) {
  SegmentOptions o;
  o.dir = dir.path();
  o.file_mode = 0640;
  return o;
}

// "BTC": woo (book 1), pulse (book 0), o2 (book 0); "ETH": woo (book 0).
ConsolidatedSpec three_venues() {
  ConsolidatedSpec s;
  s.names.push_back(
      {"BTC",
       {{"woo", "PERP_BTC_USDT", 1}, {"pulse", "BTC_USD-PERPETUAL", 0}, {"o2", "BTC-USD", 0}}});
  s.names.push_back({"ETH", {{"woo", "SPOT_ETH_USDT", 0}}});
  return s;
}

std::unique_ptr<ConsolidatedWriter> make(const t::TempDir& dir, const ConsolidatedSpec& spec) {
  std::unique_ptr<ConsolidatedWriter> w;
  const CreateStatus st = ConsolidatedWriter::create(options_for(dir), spec, w);
  INFO(st.detail);
  REQUIRE(st.ok());
  w->set_state(SegmentState::live);
  w->heartbeat(t::mono_ns());
  return w;
}

L2Book book_of(std::int64_t bid, std::int64_t bid_qty, std::int64_t ask, std::int64_t ask_qty) {
  L2Book b(16);
  (void)b.set_level(Side::bid, bid, bid_qty);
  (void)b.set_level(Side::bid, bid - 1, 7);
  (void)b.set_level(Side::ask, ask, ask_qty);
  return b;
}

LineMeta meta(Status s, int px_exp, int qty_exp) {
  LineMeta m;
  m.status = s;
  m.px_exp = static_cast<std::int8_t>(px_exp);
  m.qty_exp = static_cast<std::int8_t>(qty_exp);
  m.ts_exchange_ns = 11;
  m.ts_recv_ns = 22;
  m.ts_publish_ns = 33;
  return m;
}

ConsolidatedReader open_reader(const t::TempDir& dir) {
  ConsolidatedReader r;
  REQUIRE(ConsolidatedReader::open(dir.path(), r) == OpenError::ok);
  return r;
}

}  // namespace

TEST_CASE("a consolidated spec with a bad name or member is refused", "[shm][consolidated]") {
  t::TempDir dir;
  std::unique_ptr<ConsolidatedWriter> w;
  auto refused = [&](ConsolidatedSpec s) {
    const CreateStatus st = ConsolidatedWriter::create(options_for(dir), s, w);
    INFO(st.detail);
    return st.error == CreateError::bad_config;
  };
  CHECK(refused(ConsolidatedSpec{}));
  ConsolidatedSpec dup = three_venues();
  dup.names[1].name = "BTC";
  CHECK(refused(dup));
  ConsolidatedSpec twice = three_venues();
  twice.names[0].members.push_back(twice.names[0].members[0]);
  CHECK(refused(twice));
  ConsolidatedSpec empty = three_venues();
  empty.names[1].members.clear();
  CHECK(refused(empty));
  ConsolidatedSpec bad_venue = three_venues();
  bad_venue.names[0].members[0].venue = "wo o";
  CHECK(refused(bad_venue));
  ConsolidatedSpec many = three_venues();
  for (std::uint32_t k = 0; k < kMaxConsolidatedMembers; ++k)
    many.names[1].members.push_back({"v" + std::to_string(k), "S", 0});
  CHECK(refused(many));
  CHECK(w == nullptr);
}

TEST_CASE("names and members read back in configuration order", "[shm][consolidated]") {
  t::TempDir dir;
  auto w = make(dir, three_venues());
  ConsolidatedReader r = open_reader(dir);
  REQUIRE(r.name_count() == 2);
  CHECK(std::string(r.name(0)) == "BTC");
  CHECK(r.find("ETH") == 1);
  CHECK(r.find("SOL") == r.name_count());
  REQUIRE(r.member_count(0) == 3);
  CHECK(std::string(r.member_venue(0, 1)) == "pulse");
  CHECK(std::string(r.member_symbol(0, 2)) == "BTC-USD");
  CHECK(std::string(r.member_symbol(1, 0)) == "SPOT_ETH_USDT");
  ConsolidatedBbo b;
  REQUIRE(r.read(0, b) == ReadResult::ok);
  CHECK(b.members == 3);
  CHECK(!b.has_bid());
  CHECK(b.member[0].status == Status::syncing);
  CHECK(r.read(2, b) == ReadResult::bad_instrument);
  MemberTop m;
  CHECK(r.read_member(0, 3, m) == ReadResult::bad_instrument);
  CHECK(r.read_member(0, 0, m) == ReadResult::empty);
}

TEST_CASE("a venue's lines follow its books: levels, status, flags and times",
          "[shm][consolidated]") {
  t::TempDir dir;
  auto w = make(dir, three_venues());
  MemberLines woo = w->lines_of("woo", 2);
  MemberLines none = w->lines_of("ocx", 3);
  CHECK(!woo.empty());
  CHECK(none.empty());
  woo.heartbeat(t::mono_ns());
  ConsolidatedReader r = open_reader(dir);

  woo.publish(1, book_of(1000, 5, 1001, 6), meta(Status::live, -1, -3));  // BTC's woo line
  MemberTop m;
  REQUIRE(r.read_member(0, 0, m) == ReadResult::ok);
  CHECK(m.status == Status::live);
  CHECK(m.trusted());
  CHECK(m.bid.px == 1000);
  CHECK(m.bid.qty == 5);
  CHECK(m.ask.px == 1001);
  CHECK(m.bid_count == 2);
  CHECK(m.ask_count == 1);
  CHECK(m.px_exp == -1);
  CHECK(m.qty_exp == -3);
  CHECK(m.ts_exchange_ns == 11);
  CHECK(m.ts_recv_ns == 22);
  CHECK(m.ts_publish_ns == 33);
  CHECK(m.update_count == 1);
  REQUIRE(r.read_member(1, 0, m) == ReadResult::empty);  // ETH is book 0: untouched

  woo.set_status(1, Status::resyncing, 44);
  REQUIRE(r.read_member(0, 0, m) == ReadResult::ok);
  CHECK(m.status == Status::resyncing);
  CHECK(!m.trusted());
  CHECK(m.bid.px == 1000);  // the levels stay; only the status changed
  CHECK(m.ts_publish_ns == 44);
  CHECK(m.update_count == 2);

  woo.publish(0, book_of(50, 1, 49, 1), meta(Status::live, 0, 0));  // crossed
  REQUIRE(r.read_member(1, 0, m) == ReadResult::ok);
  CHECK((m.flags & kFlagCrossed) != 0);
}

TEST_CASE("the best bid and ask are taken across trusted members at their own exponents",
          "[shm][consolidated]") {
  t::TempDir dir;
  auto w = make(dir, three_venues());
  MemberLines woo = w->lines_of("woo", 2);
  MemberLines pulse = w->lines_of("pulse", 1);
  MemberLines o2 = w->lines_of("o2", 1);
  for (MemberLines* l : {&woo, &pulse, &o2}) l->heartbeat(t::mono_ns());
  // woo 100.0 / 100.3 (px_exp -1), pulse 100.05 / 100.25 (-2), o2 100.05 x more / 100.4.
  woo.publish(1, book_of(1000, 5, 1003, 1), meta(Status::live, -1, 0));
  pulse.publish(0, book_of(10005, 2, 10025, 1), meta(Status::live, -2, 0));
  o2.publish(0, book_of(100050, 30, 100400, 1), meta(Status::live, -3, -1));  // 3.0 > 2
  ConsolidatedReader r = open_reader(dir);
  ConsolidatedBbo b;
  REQUIRE(r.read(0, b) == ReadResult::ok);
  CHECK(b.best_bid == 2);  // 100.05 at o2 and pulse; o2 shows 3.0 against 2
  CHECK(b.best_ask == 1);  // 100.25 at pulse

  SECTION("a member that is not LIVE is never the best") {
    o2.set_status(0, Status::resyncing, 1);
    pulse.set_status(0, Status::stale, 1);
    REQUIRE(r.read(0, b) == ReadResult::ok);
    CHECK(b.best_bid == 0);
    CHECK(b.best_ask == 0);
    woo.set_status(1, Status::disconnected, 1);
    REQUIRE(r.read(0, b) == ReadResult::ok);
    CHECK(!b.has_bid());
    CHECK(!b.has_ask());
  }
  SECTION("a member whose venue thread stopped beating is not trusted") {
    // pulse beat long ago: only after a refresh does the reader know it.
    pulse.heartbeat(t::mono_ns() - 10'000'000'000);
    (void)r.refresh();
    REQUIRE(r.read(0, b) == ReadResult::ok);
    CHECK(!b.member[1].writer_ok);
    CHECK(b.best_ask == 0);  // woo's 100.3 now
    CHECK(b.best_bid == 2);
  }
  SECTION("a closed or dead daemon leaves no trusted member") {
    w->set_state(SegmentState::closed);
    (void)r.refresh();
    REQUIRE(r.read(0, b) == ReadResult::ok);
    CHECK(r.liveness() == Liveness::closed);
    CHECK(!b.has_bid());
    CHECK(!b.has_ask());
  }
  SECTION("an empty side is skipped") {
    L2Book asks_only(4);
    (void)asks_only.set_level(Side::ask, 99, 1);
    o2.publish(0, asks_only, meta(Status::live, 0, 0));  // 99 at exponent 0: the best ask
    REQUIRE(r.read(0, b) == ReadResult::ok);
    CHECK(b.member[2].bid_count == 0);
    CHECK(b.best_bid == 1);  // pulse's 100.05 over woo's 100.0
    CHECK(b.best_ask == 2);  // 99 under pulse's 100.25
  }
}

TEST_CASE("the C ABI reads the same names, lines and best as the C++ reader",
          "[shm][consolidated]") {
  t::TempDir dir;
  auto w = make(dir, three_venues());
  MemberLines woo = w->lines_of("woo", 2);
  MemberLines pulse = w->lines_of("pulse", 1);
  woo.heartbeat(t::mono_ns());
  pulse.heartbeat(t::mono_ns());
  woo.publish(1, book_of(1000, 5, 1003, 1), meta(Status::live, -1, 0));
  pulse.publish(0, book_of(10005, 2, 10025, 1), meta(Status::resyncing, -2, 0));
  wb_consolidated* c = nullptr;
  REQUIRE(wb_consolidated_open(dir.path().c_str(), -1, &c) == WB_OK);
  CHECK(wb_consolidated_refresh(c) == WB_ALIVE);
  CHECK(wb_consolidated_name_count(c) == 2);
  const std::uint32_t btc = wb_consolidated_find(c, "BTC");
  REQUIRE(btc == 0);
  CHECK(wb_consolidated_find(c, "XRP") == 2);
  CHECK(wb_consolidated_member_count(c, btc) == 3);
  CHECK(std::string(wb_consolidated_member_venue(c, btc, 2)) == "o2");
  CHECK(std::string(wb_consolidated_member_symbol(c, btc, 1)) == "BTC_USD-PERPETUAL");
  wb_consolidated_bbo b{};
  REQUIRE(wb_consolidated_read(c, btc, &b) == WB_READ_OK);
  CHECK(b.members == 3);
  CHECK(b.best_bid == 0);  // pulse is higher but RESYNCING
  CHECK(b.best_ask == 0);
  CHECK(b.member[0].trusted == 1);
  CHECK(b.member[0].bid.px == 1000);
  CHECK(b.member[0].px_exp == -1);
  CHECK(b.member[1].status == WB_RESYNCING);
  CHECK(b.member[1].trusted == 0);
  CHECK(b.member[2].update_count == 0);
  CHECK(wb_consolidated_read(c, 7, &b) == WB_READ_BAD_INSTRUMENT);
  wb_consolidated_close(c);
  t::TempDir empty;
  CHECK(wb_consolidated_open(empty.path().c_str(), -1, &c) == WB_ERR_MISSING);
  CHECK(c == nullptr);
}

TEST_CASE("scaled comparisons are exact across exponents and never overflow",
          "[shm][consolidated]") {
  using detail::compare_scaled;
  CHECK(compare_scaled(1000, -1, 10005, -2) < 0);
  CHECK(compare_scaled(10005, -2, 1000, -1) > 0);
  CHECK(compare_scaled(100, 0, 10000, -2) == 0);
  CHECK(compare_scaled(-5, 0, -49, -1) < 0);
  CHECK(compare_scaled(1, 18, INT64_MAX, 0) < 0);   // 10^18 < 9.2e18
  CHECK(compare_scaled(10, 18, INT64_MAX, 0) > 0);  // 10^19 overflows int64: larger
  CHECK(compare_scaled(-1, 30, INT64_MIN, 0) < 0);
  CHECK(compare_scaled(0, 30, -1, 0) > 0);
  CHECK(compare_scaled(0, 100, 0, -100) == 0);
}

TEST_CASE("one writer thread per venue line against spinning readers: never a torn line",
          "[shm][consolidated][torture]") {
  const std::uint64_t seed = t::random_seed();
  std::printf("consolidated torture seed %llu\n", static_cast<unsigned long long>(seed));
  t::TempDir dir;
  auto w = make(dir, three_venues());
  const char* venues[] = {"woo", "pulse", "o2"};
  // Each writer goes on until it wrote kWrites lines and the readers read
  // kReads times (bounded by kSeconds on a starved machine).
  constexpr std::uint64_t kWrites = 100'000;
  constexpr std::uint64_t kReads = 20'000;
  const std::int64_t deadline = t::mono_ns() + 30'000'000'000;
  std::atomic<int> writers_done{0};
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> torn{0};
  std::atomic<std::uint64_t> backwards{0};
  std::atomic<std::uint64_t> written[3] = {0, 0, 0};
  std::vector<std::thread> threads;
  for (int v = 0; v < 3; ++v) {
    threads.emplace_back([&, v] {
      MemberLines lines = w->lines_of(venues[v], 2);
      const std::uint32_t book = v == 0 ? 1 : 0;
      L2Book b(4);
      std::uint64_t k = 0;
      while (k < kWrites ||
             (reads.load(std::memory_order_relaxed) < kReads && t::mono_ns() < deadline)) {
        ++k;
        // Self-checking payload: every field derives from bid (no torn mix).
        const std::int64_t bid = static_cast<std::int64_t>(t::mix(seed + k * 3 + v) >> 20U) + 10;
        b.clear();
        (void)b.set_level(Side::bid, bid, bid * 3);
        (void)b.set_level(Side::ask, bid + 7, bid * 5);
        LineMeta m = meta(k % 5 == 0 ? Status::resyncing : Status::live, -2, -4);
        m.ts_exchange_ns = bid * 11;
        m.ts_recv_ns = bid * 13;
        lines.publish(book, b, m);
        if (k % 1024 == 0) lines.heartbeat(t::mono_ns());
      }
      written[v].store(k);
      writers_done.fetch_add(1);
    });
  }
  for (int rd = 0; rd < 2; ++rd) {
    threads.emplace_back([&] {
      ConsolidatedReader r = open_reader(dir);
      std::uint64_t last[3] = {0, 0, 0};
      while (writers_done.load() < 3) {
        ConsolidatedBbo b;
        if (r.read(0, b) != ReadResult::ok) continue;
        reads.fetch_add(1, std::memory_order_relaxed);
        for (std::uint32_t k = 0; k < 3; ++k) {
          const MemberTop& m = b.member[k];
          if (m.update_count == 0) continue;
          const std::int64_t bid = m.bid.px;
          if (m.bid.qty != bid * 3 || m.ask.px != bid + 7 || m.ask.qty != bid * 5 ||
              m.ts_exchange_ns != bid * 11 || m.ts_recv_ns != bid * 13 || m.px_exp != -2 ||
              m.qty_exp != -4)
            torn.fetch_add(1);
          if (m.update_count < last[k]) backwards.fetch_add(1);
          last[k] = m.update_count;
        }
        if (b.has_bid() && !b.member[b.best_bid].trusted()) torn.fetch_add(1);
        sched_yield();
      }
    });
  }
  for (auto& th : threads) th.join();
  INFO("seed " << seed << ", reads " << reads.load());
  CHECK(reads.load() >= kReads);
  CHECK(torn.load() == 0);
  CHECK(backwards.load() == 0);
  ConsolidatedReader r = open_reader(dir);
  MemberTop m;
  for (std::uint32_t k = 0; k < 3; ++k) {
    REQUIRE(r.read_member(0, k, m) == ReadResult::ok);
    CHECK(m.update_count == written[k].load());
  }
}
