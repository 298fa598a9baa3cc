// A wirebookd stand-in for the bridge/mirror tests and bench: publishes the
// self-checking books of source_books.hpp into an instance directory the way
// the daemon does (LEVEL events for every change, then the publication;
// resyncs as STATUS + SNAPSHOT_BEGIN/levels/SNAPSHOT_END; exponent widenings)
// and, every 8th update, a position (slots assigned at first publication,
// some mid-stream) and every 5th the reference data of a book (mark, funding
// and next time on odd counts, index and open interest on even ones: the
// slot keeps the fields an update does not carry), then stays idle (heartbeats) until SIGTERM
// (graceful: CLOSED) or SIGKILL.
//
//   nats_source_writer DIR INSTANCE UPDATES RATE [RING_CAPACITY [gated]]
//     UPDATES  publications to make (0: until SIGUSR1)
//     RATE     publications per second (0: as fast as possible)
//     gated    after READY, idle until SIGUSR2 before the first update
//
// Prints "READY" once every book is LIVE and "DONE <updates>" when it stops
// updating. At most 600 s.
#include <signal.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "shm/writer.hpp"
#include "tests/nats/source_books.hpp"
#include "tools/nats/wire.hpp"

namespace shm = wirebook::shm;
namespace nt = wirebook::nats_test;

namespace {

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_quiet = 0;
volatile sig_atomic_t g_go = 0;
void on_term(int /*sig*/) {
  g_stop = 1;
}
void on_usr2(int /*sig*/) {
  g_go = 1;
}
void on_usr1(int /*sig*/) {
  g_quiet = 1;
}

std::int64_t clock_ns(clockid_t id) {
  struct timespec ts {};
  ::clock_gettime(id, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

struct Book {
  std::uint64_t version = 0;
  nt::Levels shown;              // levels_of(version), whole (the writer keeps more than depth)
  std::uint64_t references = 0;  // reference updates published
  shm::Reference reference;      // the merged content published last
};

class Source {
 public:
  Source(std::vector<std::unique_ptr<shm::VenueWriter>>& w) : writers_(w) {
    for (std::uint32_t v = 0; v < nt::source_venues().size(); ++v) {
      books_.emplace_back(nt::source_venues()[v].symbols.size());
      positions_.emplace_back(nt::position_names(v).size());
    }
  }

  // Version 1 of every book as a snapshot, LIVE; the first two positions of
  // the first venue (the others appear during the updates).
  void initial() {
    for (std::uint32_t v = 0; v < books_.size(); ++v) {
      for (std::uint32_t i = 0; i < books_[v].size(); ++i) snapshot(v, i, 1);
    }
    position(0, 0);
    position(0, 1);
    reference(0, 0);
  }

  // One publication of a random book: a delta, every 97th version a resync;
  // every 8th update also a random position.
  void update(std::uint64_t k) {
    if (k % 8 == 0) {
      const std::uint64_t p = nt::mix(k * 104729U);
      const auto v = static_cast<std::uint32_t>(p % positions_.size());
      position(v, static_cast<std::uint32_t>((p >> 8U) % positions_[v].size()));
    }
    if (k % 5 == 0) {
      const std::uint64_t r = nt::mix(k * 15485863U);
      const auto v = static_cast<std::uint32_t>(r % books_.size());
      reference(v, static_cast<std::uint32_t>((r >> 8U) % books_[v].size()));
    }
    const std::uint64_t h = nt::mix(k * 7919U);
    const auto v = static_cast<std::uint32_t>(h % books_.size());
    const auto i = static_cast<std::uint32_t>((h >> 8U) % books_[v].size());
    const std::uint64_t next = books_[v][i].version + 1;
    if (next % 97 == 0 || nt::px_exp_of(next) != nt::px_exp_of(next - 1)) {
      (void)writers_[v]->set_status(i, shm::Status::resyncing, clock_ns(CLOCK_REALTIME));
      snapshot(v, i, next);
    } else {
      delta(v, i, next);
    }
  }

 private:
  void level_event(std::uint32_t v, std::uint32_t i, std::uint8_t side, const shm::Level& l,
                   std::int8_t px_exp, std::int64_t ts) {
    shm::Event ev;
    ev.type = shm::EventType::level;
    ev.instrument = i;
    ev.side = side;
    ev.px_exp = px_exp;
    ev.qty_exp = nt::kQtyExp;
    ev.ts_exchange_ns = ts - 1000;
    ev.ts_recv_ns = ts;
    ev.px = l.px;
    ev.qty = l.qty;
    (void)writers_[v]->append(ev);
  }

  void marker(std::uint32_t v, std::uint32_t i, shm::EventType type, std::uint64_t version) {
    shm::Event ev;
    ev.type = type;
    ev.instrument = i;
    ev.aux0 = static_cast<std::int64_t>(version);
    (void)writers_[v]->append(ev);
  }

  void publish(std::uint32_t v, std::uint32_t i, std::uint64_t version, std::int64_t ts) {
    shm::BookMeta m;
    m.status = shm::Status::live;
    m.px_exp = nt::px_exp_of(version);
    m.qty_exp = nt::kQtyExp;
    m.ts_exchange_ns = ts - 1000;
    m.ts_recv_ns = ts;
    m.ts_publish_ns = clock_ns(CLOCK_REALTIME);
    const nt::Levels& l = books_[v][i].shown;
    (void)writers_[v]->publish_levels(i, m, l.bids, l.asks, version);
  }

  void snapshot(std::uint32_t v, std::uint32_t i, std::uint64_t version) {
    const std::int64_t ts = clock_ns(CLOCK_REALTIME);
    Book& b = books_[v][i];
    b.version = version;
    b.shown = nt::levels_of(v, i, version, nt::source_venues()[v].depth);
    marker(v, i, shm::EventType::snapshot_begin, version);
    for (const auto& l : b.shown.bids) level_event(v, i, 0, l, nt::px_exp_of(version), ts);
    for (const auto& l : b.shown.asks) level_event(v, i, 1, l, nt::px_exp_of(version), ts);
    marker(v, i, shm::EventType::snapshot_end, version);
    publish(v, i, version, ts);
  }

  void delta(std::uint32_t v, std::uint32_t i, std::uint64_t version) {
    const std::int64_t ts = clock_ns(CLOCK_REALTIME);
    Book& b = books_[v][i];
    const nt::Levels next = nt::levels_of(v, i, version, nt::source_venues()[v].depth);
    wirebook::nats::diff_side(b.shown.bids, next.bids, false, changes_);
    for (const auto& l : changes_) level_event(v, i, 0, l, nt::px_exp_of(version), ts);
    wirebook::nats::diff_side(b.shown.asks, next.asks, true, changes_);
    for (const auto& l : changes_) level_event(v, i, 1, l, nt::px_exp_of(version), ts);
    b.version = version;
    b.shown = next;
    publish(v, i, version, ts);
  }

  // The next version of position p of venue v, in its slot.
  void position(std::uint32_t v, std::uint32_t p) {
    Position& pos = positions_[v][p];
    if (pos.slot < 0) pos.slot = next_slot_[v]++;
    const std::int64_t ts = clock_ns(CLOCK_REALTIME);
    shm::Position out = nt::position_of(v, p, ++pos.version);
    out.ts_exchange_ns = ts - 2000;
    out.ts_recv_ns = ts;
    out.ts_publish_ns = clock_ns(CLOCK_REALTIME);
    (void)writers_[v]->publish_position(static_cast<std::uint32_t>(pos.slot), out);
  }

  // The next reference update of book i of venue v: its fields depend only
  // on (v, i, count), and alternate so the slot merges them.
  void reference(std::uint32_t v, std::uint32_t i) {
    Book& b = books_[v][i];
    const std::uint64_t n = ++b.references;
    const auto base = static_cast<std::int64_t>(v * 1000 + i * 10 + n);
    shm::Reference& r = b.reference;
    if (n % 2 == 1) {
      r.set(shm::ReferenceField::mark_price, 5'000'000 + base, -2);
      r.set(shm::ReferenceField::funding_rate, base - 500, -8);
      r.set(shm::ReferenceField::next_funding_time, 1'790'150'400'000'000'000 + base, 0);
    } else {
      r.set(shm::ReferenceField::index_price, 500'000 + base, -1);
      r.set(shm::ReferenceField::open_interest, base * 7, -3);
    }
    const std::int64_t ts = clock_ns(CLOCK_REALTIME);
    r.ts_exchange_ns = ts - 3000;
    r.ts_recv_ns = ts;
    r.ts_publish_ns = clock_ns(CLOCK_REALTIME);
    (void)writers_[v]->publish_reference(i, r);
  }

  struct Position {
    int slot = -1;
    std::uint64_t version = 0;  // = the slot's update count
  };

  std::vector<std::unique_ptr<shm::VenueWriter>>& writers_;
  std::vector<std::vector<Book>> books_;
  std::vector<std::vector<Position>> positions_;
  std::vector<int> next_slot_ = std::vector<int>(nt::source_venues().size(), 0);
  std::vector<shm::Level> changes_;
};

void idle_all(std::vector<std::unique_ptr<shm::VenueWriter>>& writers,
              shm::ControlWriter& control) {
  const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
  for (auto& w : writers) w->idle(now);
  control.heartbeat(now);
}

// Heartbeats every 10 ms until `flag` is set by a signal or the deadline passes.
void idle_until(const volatile sig_atomic_t& flag,
                std::vector<std::unique_ptr<shm::VenueWriter>>& writers,
                shm::ControlWriter& control, std::int64_t deadline) {
  while (flag == 0 && g_stop == 0 && clock_ns(CLOCK_MONOTONIC) < deadline) {
    idle_all(writers, control);
    struct timespec ts {
      0, 10'000'000
    };
    ::nanosleep(&ts, nullptr);
  }
}

// Publishes `updates` updates (0: until SIGUSR1) at `rate` per second (0: as
// fast as possible), heartbeating every 10 ms; returns how many it made.
std::uint64_t run_updates(Source& source, std::vector<std::unique_ptr<shm::VenueWriter>>& writers,
                          shm::ControlWriter& control, std::uint64_t updates, double rate,
                          std::int64_t deadline) {
  const std::int64_t start = clock_ns(CLOCK_MONOTONIC);
  std::int64_t next_idle = start;
  std::uint64_t k = 0;
  while (g_stop == 0 && g_quiet == 0 && (updates == 0 || k < updates)) {
    const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
    if (now > deadline) break;
    if (now >= next_idle) {
      idle_all(writers, control);
      next_idle = now + 10'000'000;
    }
    if (rate > 0 && static_cast<double>(k) >= static_cast<double>(now - start) * rate / 1e9) {
      struct timespec ts {
        0, 100'000
      };
      ::nanosleep(&ts, nullptr);
      continue;
    }
    source.update(++k);
  }
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s DIR INSTANCE UPDATES RATE [RING_CAPACITY]\n", argv[0]);
    return 64;
  }
  struct sigaction sa {};
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_usr1;
  ::sigaction(SIGUSR1, &sa, nullptr);
  sa.sa_handler = on_usr2;
  ::sigaction(SIGUSR2, &sa, nullptr);
  const std::uint64_t updates = std::strtoull(argv[3], nullptr, 10);
  const double rate = std::strtod(argv[4], nullptr);
  const auto ring =
      static_cast<std::uint32_t>(argc > 5 ? std::strtoul(argv[5], nullptr, 10) : 1U << 16U);

  shm::SegmentOptions o;
  o.dir = argv[1];
  std::vector<shm::VenueConfig> configs;
  std::vector<std::unique_ptr<shm::VenueWriter>> writers;
  for (const auto& v : nt::source_venues()) {
    configs.push_back(shm::VenueConfig{v.name, v.symbols, v.depth, ring});
    writers.emplace_back();
    const shm::CreateStatus st = shm::VenueWriter::create(o, configs.back(), writers.back());
    if (!st.ok()) {
      std::fprintf(stderr, "create %s: %s\n", v.name, st.detail.c_str());
      return 1;
    }
  }
  std::unique_ptr<shm::ControlWriter> control;
  if (!shm::ControlWriter::create(o, argv[2], configs, control).ok()) return 1;
  for (auto& w : writers) w->set_state(shm::SegmentState::live);
  control->set_state(shm::SegmentState::live);
  Source source(writers);
  source.initial();
  idle_all(writers, *control);
  std::printf("READY\n");
  std::fflush(stdout);

  const std::int64_t deadline = clock_ns(CLOCK_MONOTONIC) + 600LL * 1'000'000'000LL;
  if (argc > 6 && std::string(argv[6]) == "gated") idle_until(g_go, writers, *control, deadline);
  const std::uint64_t k = run_updates(source, writers, *control, updates, rate, deadline);
  std::printf("DONE %llu\n", static_cast<unsigned long long>(k));
  std::fflush(stdout);
  idle_until(g_stop, writers, *control, deadline);
  for (auto& w : writers) w->set_state(shm::SegmentState::closed);
  control->set_state(shm::SegmentState::closed);
  return 0;
}
