// Multi-process torture: one writer at full speed with self-checking payloads,
// three fast readers (slots + ring), one deliberately slow ring reader that is
// lapped, and one late joiner that must end with exactly the writer's books.
//
// Bounded: stops at WIREBOOK_TORTURE_READS slot reads (default 1.05e7) or after
// WIREBOOK_TORTURE_SECONDS (default 50 s). WIREBOOK_LONG_TESTS=1: 2e8 reads or
// 600 s. Seeds are printed; WIREBOOK_SEED=<n> replays a run's payloads.
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <wirebook/reader.hpp>

#include "book/l2_book.hpp"
#include "shm/writer.hpp"
#include "tests/shm/test_util.hpp"

using namespace wirebook::shm;
using wirebook::book::L2Book;
using wirebook::book::Side;
namespace t = wirebook::shm::test;

namespace {

constexpr std::uint32_t kInstruments = 8;
constexpr std::uint32_t kDepth = 64;
constexpr std::uint32_t kRing = 4096;
constexpr std::int64_t kGrid = 48;  // price levels per side: whole books fit in a slot
constexpr std::int64_t kMid = 1'000'000;
constexpr int kFastReaders = 3;

struct alignas(64) ReaderStats {
  std::atomic<std::uint64_t> slot_reads{0};
  std::atomic<std::uint64_t> torn{0};          // a seqlock-validated copy failed its self-check
  std::atomic<std::uint64_t> nonmonotonic{0};  // a book version went backwards
  std::atomic<std::uint64_t> busy{0};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> event_errors{0};  // payload or sequence mismatch
  std::atomic<std::uint64_t> laps{0};
  std::atomic<std::uint64_t> lost{0};
  std::atomic<std::uint64_t> false_laps{0};  // lap reported while the record was not overwritten
  std::atomic<std::uint64_t> start_seq{0};
  std::atomic<int> done{0};
};

struct Shared {
  std::atomic<int> stop{0};
  std::atomic<int> writer_ready{0};
  std::atomic<int> writer_done{0};
  std::atomic<std::uint64_t> final_head{0};
  std::atomic<std::uint64_t> writer_steps{0};
  ReaderStats fast[kFastReaders];
  ReaderStats slow;
  ReaderStats late;
  std::atomic<std::uint64_t> late_joins{0};
  std::atomic<std::uint64_t> late_join_head{0};
  std::atomic<std::uint64_t> late_mismatches{0};
  std::atomic<int> late_consistent{0};
};

std::uint64_t h(std::uint64_t a, std::uint64_t b) noexcept {
  return t::mix(a ^ t::mix(b));
}

// Check value of the first line (stored in ts_exchange_ns): covers everything a BBO read returns.
std::int64_t top_check(const Bbo& b) noexcept {
  std::uint64_t x =
      h(b.version, static_cast<std::uint64_t>(b.status) | (std::uint64_t{b.flags} << 8U));
  x = h(x, static_cast<std::uint8_t>(b.px_exp) |
               (std::uint64_t{static_cast<std::uint8_t>(b.qty_exp)} << 8U));
  x = h(x, b.bid_count | (std::uint64_t{b.ask_count} << 16U));
  x = h(x, static_cast<std::uint64_t>(b.bid.px));
  x = h(x, static_cast<std::uint64_t>(b.bid.qty));
  x = h(x, static_cast<std::uint64_t>(b.ask.px));
  x = h(x, static_cast<std::uint64_t>(b.ask.qty));
  return static_cast<std::int64_t>(x >> 1U);
}

// Check value of all levels (stored in ts_recv_ns).
template <class L>
std::int64_t levels_check(std::uint64_t version, const L* bids, std::uint32_t nb, const L* asks,
                          std::uint32_t na) noexcept {
  std::uint64_t x = h(version, nb * 1000ULL + na);
  for (std::uint32_t k = 0; k < nb; ++k)
    x = h(h(x, static_cast<std::uint64_t>(bids[k].px)), static_cast<std::uint64_t>(bids[k].qty));
  for (std::uint32_t k = 0; k < na; ++k)
    x = h(h(x, static_cast<std::uint64_t>(asks[k].px)), static_cast<std::uint64_t>(asks[k].qty));
  return static_cast<std::int64_t>(x >> 1U);
}

std::int64_t event_check(const Event& e) noexcept {
  std::uint64_t x = h(e.seq, e.instrument * 2ULL + e.side);
  x = h(h(x, static_cast<std::uint64_t>(e.px)), static_cast<std::uint64_t>(e.qty));
  return static_cast<std::int64_t>(x >> 1U);
}

VenueConfig config() {
  VenueConfig c;
  c.name = "torture";
  for (std::uint32_t i = 0; i < kInstruments; ++i) c.symbols.push_back("SYM" + std::to_string(i));
  c.depth = kDepth;
  c.ring_capacity = kRing;
  return c;
}

void publish_checked(VenueWriter& w, std::uint32_t i, const L2Book& book) {
  wirebook::book::Level b[kDepth];
  wirebook::book::Level a[kDepth];
  const auto nb = static_cast<std::uint32_t>(book.copy_top(Side::bid, b, kDepth));
  const auto na = static_cast<std::uint32_t>(book.copy_top(Side::ask, a, kDepth));
  const std::uint64_t v = book.version();
  Bbo top;
  top.version = v;
  top.status = v % 11 == 0 ? Status::resyncing : Status::live;
  top.px_exp = static_cast<std::int8_t>(-static_cast<int>(v % 9));
  top.qty_exp = static_cast<std::int8_t>(-static_cast<int>(v % 5));
  top.bid_count = static_cast<std::uint16_t>(nb);
  top.ask_count = static_cast<std::uint16_t>(na);
  if (nb > 0) top.bid = Level{b[0].px, b[0].qty};
  if (na > 0) top.ask = Level{a[0].px, a[0].qty};
  BookMeta m;
  m.status = top.status;
  m.px_exp = top.px_exp;
  m.qty_exp = top.qty_exp;
  m.ts_exchange_ns = top_check(top);
  m.ts_recv_ns = levels_check(v, b, nb, a, na);
  m.ts_publish_ns = static_cast<std::int64_t>(v);
  (void)w.publish(i, book, m);
}

int writer_main(const std::string& dir, std::uint64_t seed, Shared* s) {
  SegmentOptions o;
  o.dir = dir;
  std::unique_ptr<VenueWriter> w;
  const CreateStatus st = VenueWriter::create(o, config(), w);
  if (!st.ok()) {
    std::fprintf(stderr, "writer: %s\n", st.detail.c_str());
    return 2;
  }
  w->set_state(SegmentState::live);
  std::vector<L2Book> books;
  for (std::uint32_t i = 0; i < kInstruments; ++i) books.emplace_back(kDepth);
  std::uint64_t x = seed;
  for (std::uint32_t i = 0; i < kInstruments; ++i) publish_checked(*w, i, books[i]);
  s->writer_ready.store(1);
  std::uint64_t steps = 0;
  while (s->stop.load(std::memory_order_relaxed) == 0) {
    x = t::mix(x);
    const auto i = static_cast<std::uint32_t>(x % kInstruments);
    const int ops = 1 + static_cast<int>((x >> 8U) % 4);
    for (int k = 0; k < ops; ++k) {
      x = t::mix(x);
      const Side side = (x & 1U) != 0 ? Side::bid : Side::ask;
      const auto g = static_cast<std::int64_t>((x >> 8U) % kGrid);
      const std::int64_t px = side == Side::bid ? kMid - 1 - g : kMid + g;
      const auto qty = static_cast<std::int64_t>((x >> 32U) % 5) * 1000 +
                       static_cast<std::int64_t>((x >> 40U) % 1000) * ((x >> 32U) % 5 != 0);
      (void)books[i].set_level(side, px, qty);
      Event e;
      e.seq = w->ring_head() + 1;
      e.type = EventType::level;
      e.instrument = i;
      e.side = static_cast<std::uint8_t>(side);
      e.px = px;
      e.qty = qty;
      e.aux0 = static_cast<std::int64_t>(e.seq);
      e.aux1 = event_check(e);
      (void)w->append(e);
    }
    publish_checked(*w, i, books[i]);
    if ((++steps & 255U) == 0) {
      w->heartbeat(t::mono_ns());
      s->writer_steps.store(steps, std::memory_order_relaxed);
    }
  }
  for (std::uint32_t i = 0; i < kInstruments; ++i) publish_checked(*w, i, books[i]);
  s->writer_steps.store(steps);
  s->final_head.store(w->ring_head());
  s->writer_done.store(1);
  return 0;
}

// Verifies one ring poll outcome; keeps the exact account `expected`.
void check_poll(const VenueReader& r, PollResult p, const Event& ev, std::uint64_t lost,
                std::uint64_t& expected, ReaderStats& st) {
  if (p == PollResult::event) {
    const bool ok = ev.seq == expected && ev.type == EventType::level &&
                    ev.instrument < kInstruments && ev.aux0 == static_cast<std::int64_t>(ev.seq) &&
                    ev.aux1 == event_check(ev);
    if (!ok) st.event_errors.fetch_add(1, std::memory_order_relaxed);
    expected = ev.seq + 1;
    st.events.fetch_add(1, std::memory_order_relaxed);
  } else if (p == PollResult::lapped) {
    // Event `expected` must really have been overwritten: the writer is at
    // least a whole ring ahead of it.
    if (lost == 0 || r.ring_head() + 1 < expected + kRing)
      st.false_laps.fetch_add(1, std::memory_order_relaxed);
    expected += lost;
    st.laps.fetch_add(1, std::memory_order_relaxed);
    st.lost.fetch_add(lost, std::memory_order_relaxed);
  } else if (p == PollResult::reset) {
    st.event_errors.fetch_add(1, std::memory_order_relaxed);
  }
}

bool check_book(const BookView& v, const Level* b, const Level* a) {
  if (v.top.ts_exchange_ns != top_check(v.top)) return false;
  if (v.ts_recv_ns != levels_check(v.top.version, b, v.bids, a, v.asks)) return false;
  if (v.bids != v.top.bid_count || v.asks != v.top.ask_count) return false;
  for (std::uint32_t k = 1; k < v.bids; ++k)
    if (b[k].px >= b[k - 1].px) return false;
  for (std::uint32_t k = 1; k < v.asks; ++k)
    if (a[k].px <= a[k - 1].px) return false;
  return v.ts_publish_ns == static_cast<std::int64_t>(v.top.version);
}

int fast_reader_main(const std::string& dir, std::uint64_t seed, Shared* s, ReaderStats& st) {
  VenueReader r;
  if (VenueReader::open(dir, "torture", r) != OpenError::ok) return 2;
  std::uint64_t x = seed;
  std::uint64_t last_version[kInstruments] = {};
  Level b[kDepth];
  Level a[kDepth];
  RingCursor c = r.cursor_at_head();
  std::uint64_t expected = c.next;
  st.start_seq.store(expected);
  std::uint64_t reads = 0;
  while (s->stop.load(std::memory_order_relaxed) == 0) {
    for (int k = 0; k < 256; ++k) {
      x = t::mix(x);
      const auto i = static_cast<std::uint32_t>(x % kInstruments);
      ReadResult res;
      bool ok = true;
      std::uint64_t version = 0;
      if ((k & 15) == 0) {
        BookView v;
        res = r.read_book(i, v, b, a, kDepth);
        ok = check_book(v, b, a);
        version = v.top.version;
      } else {
        Bbo bbo;
        res = r.read_bbo(i, bbo);
        ok = bbo.ts_exchange_ns == top_check(bbo);
        version = bbo.version;
      }
      if (res == ReadResult::busy) {
        st.busy.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (res != ReadResult::ok) {
        st.torn.fetch_add(
            1, std::memory_order_relaxed);  // never empty: the writer publishes all first
        continue;
      }
      ++reads;
      if (!ok) st.torn.fetch_add(1, std::memory_order_relaxed);
      if (version < last_version[i]) st.nonmonotonic.fetch_add(1, std::memory_order_relaxed);
      last_version[i] = version;
    }
    st.slot_reads.store(reads, std::memory_order_relaxed);
    for (int k = 0; k < 64; ++k) {
      Event ev;
      std::uint64_t lost = 0;
      const PollResult p = r.poll(c, ev, lost);
      if (p == PollResult::nothing) break;
      check_poll(r, p, ev, lost, expected, st);
    }
  }
  st.done.store(1);
  return 0;
}

// Drains the ring slowly (sleeps between events) until the writer's final head.
int slow_reader_main(const std::string& dir, Shared* s) {
  VenueReader r;
  if (VenueReader::open(dir, "torture", r) != OpenError::ok) return 2;
  ReaderStats& st = s->slow;
  RingCursor c = r.cursor_at_head();
  std::uint64_t expected = c.next;
  st.start_seq.store(expected);
  for (;;) {
    Event ev;
    std::uint64_t lost = 0;
    const PollResult p = r.poll(c, ev, lost);
    if (p == PollResult::nothing) {
      if (s->writer_done.load() != 0 && expected > s->final_head.load()) break;
      ::usleep(100);
      continue;
    }
    check_poll(r, p, ev, lost, expected, st);
    if (p == PollResult::event && s->writer_done.load(std::memory_order_relaxed) == 0) ::usleep(50);
  }
  st.done.store(1);
  return 0;
}

struct LateJoiner {
  VenueReader r;
  std::vector<L2Book> books;
  std::uint64_t reflected[kInstruments] = {};
  RingCursor c;

  // Snapshot from the slots, then follow the ring from the oldest unreflected event.
  bool join() {
    Level b[kDepth];
    Level a[kDepth];
    std::uint64_t min_seq = UINT64_MAX;
    for (std::uint32_t i = 0; i < kInstruments; ++i) {
      BookView v;
      ReadResult res;
      while ((res = r.read_book(i, v, b, a, kDepth)) == ReadResult::busy) {
      }
      if (res != ReadResult::ok) return false;
      std::vector<wirebook::book::Level> bb(v.bids);
      std::vector<wirebook::book::Level> aa(v.asks);
      for (std::uint32_t k = 0; k < v.bids; ++k) bb[k] = {b[k].px, b[k].qty};
      for (std::uint32_t k = 0; k < v.asks; ++k) aa[k] = {a[k].px, a[k].qty};
      if (!books[i].apply_snapshot(bb, aa)) return false;
      reflected[i] = v.ring_seq;
      min_seq = std::min(min_seq, v.ring_seq);
    }
    c = r.cursor_from(min_seq + 1);
    return true;
  }
};

int late_joiner_main(const std::string& dir, Shared* s) {
  ReaderStats& st = s->late;
  // Join once the writer is well under way (a condition, not a sleep).
  while (s->writer_steps.load() < 20'000 && s->writer_done.load() == 0) ::usleep(1000);
  LateJoiner j;
  if (VenueReader::open(dir, "torture", j.r) != OpenError::ok) return 2;
  for (std::uint32_t i = 0; i < kInstruments; ++i) j.books.emplace_back(kDepth);
  s->late_join_head.store(j.r.ring_head());
  if (!j.join()) return 3;
  s->late_joins.fetch_add(1);
  int idle = 0;
  for (;;) {
    Event ev;
    std::uint64_t lost = 0;
    const PollResult p = j.r.poll(j.c, ev, lost);
    if (p == PollResult::event) {
      st.events.fetch_add(1, std::memory_order_relaxed);
      if (ev.aux1 != event_check(ev)) st.event_errors.fetch_add(1, std::memory_order_relaxed);
      if (ev.seq > j.reflected[ev.instrument])
        (void)j.books[ev.instrument].set_level(static_cast<Side>(ev.side), ev.px, ev.qty);
      continue;
    }
    if (p == PollResult::lapped || p == PollResult::reset) {
      st.laps.fetch_add(1, std::memory_order_relaxed);
      if (!j.join()) return 4;
      s->late_joins.fetch_add(1);
      continue;
    }
    if (s->writer_done.load() != 0 && j.c.next > s->final_head.load()) break;
    if (++idle % 64 == 0) ::sched_yield();
  }
  // Compare with the writer's final books (the slots).
  Level b[kDepth];
  Level a[kDepth];
  std::uint64_t mismatches = 0;
  for (std::uint32_t i = 0; i < kInstruments; ++i) {
    BookView v;
    if (j.r.read_book(i, v, b, a, kDepth) != ReadResult::ok) return 5;
    wirebook::book::Level mb[kDepth];
    wirebook::book::Level ma[kDepth];
    const std::size_t nb = j.books[i].copy_top(Side::bid, mb, kDepth);
    const std::size_t na = j.books[i].copy_top(Side::ask, ma, kDepth);
    if (nb != v.bids || na != v.asks) ++mismatches;
    for (std::size_t k = 0; k < std::min<std::size_t>(nb, v.bids); ++k)
      mismatches += (mb[k].px != b[k].px || mb[k].qty != b[k].qty);
    for (std::size_t k = 0; k < std::min<std::size_t>(na, v.asks); ++k)
      mismatches += (ma[k].px != a[k].px || ma[k].qty != a[k].qty);
  }
  s->late_mismatches.store(mismatches);
  s->late_consistent.store(mismatches == 0 ? 1 : 0);
  st.done.store(1);
  return 0;
}

std::uint64_t env_u64(const char* name, std::uint64_t def) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::strtoull(v, nullptr, 0) : def;
}

}  // namespace

TEST_CASE(
    "torture: torn-free reads, exact lap accounting and a consistent late joiner across processes",
    "[shm][torture]") {
  const bool long_mode = t::long_tests();
  const std::uint64_t target_reads =
      env_u64("WIREBOOK_TORTURE_READS", long_mode ? 200'000'000ULL : 10'500'000ULL);
  const std::uint64_t max_seconds = env_u64("WIREBOOK_TORTURE_SECONDS", long_mode ? 600 : 50);
  const std::uint64_t seed = t::random_seed();
  std::printf(
      "torture: seed %llu (replay payloads with WIREBOOK_SEED=%llu), target %llu reads, cap %llu "
      "s\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
      static_cast<unsigned long long>(target_reads), static_cast<unsigned long long>(max_seconds));
  std::fflush(stdout);
  t::TempDir dir("torture");
  t::Shared<Shared> s;
  t::ChildGuard children;  // after dir/shared state: destroyed first, kills leftover children
  const std::string& d = dir.path();

  const pid_t writer = t::fork_child([&] { return writer_main(d, seed, &*s); });
  REQUIRE(t::wait_until([&] { return s->writer_ready.load() == 1; }, 60 * t::kSecond));
  std::vector<pid_t> readers;
  readers.reserve(kFastReaders);
  for (int k = 0; k < kFastReaders; ++k) {
    readers.push_back(t::fork_child(
        [&, k] { return fast_reader_main(d, t::mix(seed + k + 1), &*s, s->fast[k]); }));
  }
  const pid_t slow = t::fork_child([&] { return slow_reader_main(d, &*s); });
  const pid_t late = t::fork_child([&] { return late_joiner_main(d, &*s); });

  const std::int64_t t0 = t::mono_ns();
  auto total_reads = [&] {
    std::uint64_t n = 0;
    for (const auto& f : s->fast) n += f.slot_reads.load();
    return n;
  };
  (void)t::wait_until([&] { return total_reads() >= target_reads; },
                      static_cast<std::int64_t>(max_seconds) * t::kSecond);
  s->stop.store(1);
  const double secs = static_cast<double>(t::mono_ns() - t0) / 1e9;

  REQUIRE(t::wait_child(writer, 60 * t::kSecond) == 0);
  for (pid_t p : readers) REQUIRE(t::wait_child(p, 60 * t::kSecond) == 0);
  const int slow_rc = t::wait_child(slow, 120 * t::kSecond);
  const int late_rc = t::wait_child(late, 120 * t::kSecond);

  std::uint64_t torn = 0, nonmono = 0, busy = 0, events = 0, ev_err = 0, false_laps = 0;
  for (const auto& f : s->fast) {
    torn += f.torn.load();
    nonmono += f.nonmonotonic.load();
    busy += f.busy.load();
    events += f.events.load();
    ev_err += f.event_errors.load();
    false_laps += f.false_laps.load();
  }
  const std::uint64_t reads = total_reads();
  const std::uint64_t final_head = s->final_head.load();
  std::printf(
      "torture: %.1f s, writer %llu steps / %llu events; %llu slot reads (%.1f M/s), %llu torn, "
      "%llu busy, %llu ring events checked by fast readers\n",
      secs, static_cast<unsigned long long>(s->writer_steps.load()),
      static_cast<unsigned long long>(final_head), static_cast<unsigned long long>(reads),
      static_cast<double>(reads) / secs / 1e6, static_cast<unsigned long long>(torn),
      static_cast<unsigned long long>(busy), static_cast<unsigned long long>(events));
  const ReaderStats& sl = s->slow;
  std::printf(
      "torture: slow reader %llu events, lapped %llu times, reported lost %llu; late joiner "
      "joined %llu times (first at head %llu), %llu mismatches\n",
      static_cast<unsigned long long>(sl.events.load()),
      static_cast<unsigned long long>(sl.laps.load()),
      static_cast<unsigned long long>(sl.lost.load()),
      static_cast<unsigned long long>(s->late_joins.load()),
      static_cast<unsigned long long>(s->late_join_head.load()),
      static_cast<unsigned long long>(s->late_mismatches.load()));
  std::fflush(stdout);

  INFO("fewer than 1e7 reads means the machine was too slow or loaded for the "
       << max_seconds << " s cap; raise WIREBOOK_TORTURE_SECONDS");
  CHECK(reads >= 10'000'000ULL);
  CHECK(torn == 0);
  CHECK(nonmono == 0);
  CHECK(ev_err == 0);
  CHECK(false_laps == 0);
  // Slow reader: lapped, and every event is either delivered or inside a
  // reported lost range, exactly once.
  REQUIRE(slow_rc == 0);
  CHECK(sl.laps.load() > 0);
  CHECK(sl.event_errors.load() == 0);
  CHECK(sl.false_laps.load() == 0);
  CHECK(sl.events.load() + sl.lost.load() == final_head - sl.start_seq.load() + 1);
  // Late joiner: joined mid-stream and ends with exactly the writer's books.
  REQUIRE(late_rc == 0);
  CHECK(s->late_join_head.load() > 0);
  CHECK(s->late.event_errors.load() == 0);
  CHECK(s->late_consistent.load() == 1);
}
