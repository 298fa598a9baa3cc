// Test writer for the reader tools (wirebook dump/status/tail/top and the
// Python package): publishes the known books of known_books.hpp into an
// instance directory, like wirebookd would, then heartbeats until SIGTERM or
// SIGINT (graceful: segments CLOSED) or SIGKILL (dead writer), at most 300 s.
//
//   tools_test_writer DIR SCENARIO
//     books    every book LIVE
//     notlive  as books, then beta BTC-PERP goes RESYNCING (a STATUS event)
//     lap      as books, then 1000 level events on alpha (ring of 64 records)
//     positions as books, then the known positions on alpha (known_positions;
//              three POSITION events: BTC, BTC again, ETH)
//     consolidated as books, plus the consolidated segment: "BTC" over alpha
//              SPOT_BTC_USDT and beta BTC-PERP, both lines LIVE from the
//              known books (best bid and ask: alpha's 56749.15 / 56749.2)
//     reference as books, then the known reference data of alpha
//              SPOT_BTC_USDT (known_reference: two REFERENCE events)
//     stream   as books, then every 2 ms one level event on alpha and a new
//              publication of alpha SPOT_BTC_USDT (same levels, version 1000 + k,
//              receive -> publish exactly 1.5 us)
//
// Prints "READY alpha_generation=0x.. beta_generation=0x.. alpha_head=N" on
// stdout once everything is published. Level event k carries px 5674915 + k
// (px_exp -2), qty k (qty_exp -8), side k % 2, instrument 0, ts_recv_ns k.
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "book/l2_book.hpp"
#include "shm/consolidated_writer.hpp"
#include "shm/writer.hpp"
#include "tests/tools/known_books.hpp"

namespace shm = wirebook::shm;
namespace tt = wirebook::tools_test;

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int /*sig*/) {
  g_stop = 1;
}

std::int64_t mono_ns() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

shm::Event level_event(std::uint64_t k) {
  shm::Event e;
  e.type = shm::EventType::level;
  e.instrument = 0;
  e.side = static_cast<std::uint8_t>(k % 2);
  e.px_exp = -2;
  e.qty_exp = -8;
  e.px = 5674915 + static_cast<std::int64_t>(k);
  e.qty = static_cast<std::int64_t>(k);
  e.ts_recv_ns = static_cast<std::int64_t>(k);
  return e;
}

// A known book's publication metadata, LIVE (BookMeta for a slot, LineMeta
// for a consolidated line: the same fields).
template <class Meta>
Meta live_meta(const tt::KnownBook& b) {
  Meta m;
  m.status = shm::Status::live;
  m.px_exp = b.px_exp;
  m.qty_exp = b.qty_exp;
  m.ts_exchange_ns = b.ts_exchange_ns;
  m.ts_recv_ns = b.ts_recv_ns;
  m.ts_publish_ns = b.ts_publish_ns;
  return m;
}

bool publish_known(std::vector<std::unique_ptr<shm::VenueWriter>>& writers) {
  const auto venues = tt::known_venues();
  for (const auto& b : tt::known_books()) {
    for (std::size_t v = 0; v < venues.size(); ++v) {
      if (std::strcmp(venues[v].name, b.venue) != 0) continue;
      for (std::uint32_t i = 0; i < venues[v].symbols.size(); ++i) {
        if (std::strcmp(venues[v].symbols[i], b.symbol) != 0) continue;
        const auto m = live_meta<shm::BookMeta>(b);
        if (writers[v]->publish_levels(i, m, b.bids, b.asks, b.version) != shm::PublishResult::ok) {
          return false;
        }
      }
    }
  }
  return true;
}

// The consolidated scenario: "BTC" = alpha SPOT_BTC_USDT + beta BTC-PERP,
// each line written from its known book through its venue's MemberLines.
bool publish_consolidated(const shm::SegmentOptions& o,
                          std::unique_ptr<shm::ConsolidatedWriter>& out,
                          std::vector<shm::MemberLines>& lines) {
  shm::ConsolidatedSpec spec;
  spec.names.push_back({"BTC", {{"alpha", "SPOT_BTC_USDT", 0}, {"beta", "BTC-PERP", 0}}});
  if (const auto st = shm::ConsolidatedWriter::create(o, spec, out); !st.ok()) {
    std::fprintf(stderr, "consolidated: %s (%s)\n", to_string(st.error), st.detail.c_str());
    return false;
  }
  for (const auto& v : tt::known_venues()) {
    shm::MemberLines l = out->lines_of(v.name, static_cast<std::uint32_t>(v.symbols.size()));
    for (const auto& b : tt::known_books()) {
      if (std::strcmp(b.venue, v.name) != 0 || std::strcmp(b.symbol, v.symbols[0]) != 0) continue;
      wirebook::book::L2Book book(64);
      for (const auto& lv : b.bids) (void)book.set_level(wirebook::book::Side::bid, lv.px, lv.qty);
      for (const auto& lv : b.asks) (void)book.set_level(wirebook::book::Side::ask, lv.px, lv.qty);
      l.publish(0, book, live_meta<shm::LineMeta>(b));
    }
    l.heartbeat(mono_ns());
    lines.push_back(std::move(l));
  }
  out->set_state(shm::SegmentState::live);
  out->heartbeat(mono_ns());
  return true;
}

shm::Position position_of(const tt::KnownPosition& k) {
  shm::Position p;
  std::strncpy(p.instrument, k.instrument, shm::kSymbolLen - 1);
  p.known = k.known;
  std::copy(std::begin(k.value), std::end(k.value), std::begin(p.value));
  std::copy(std::begin(k.exp), std::end(k.exp), std::begin(p.exp));
  p.ts_exchange_ns = k.ts_exchange_ns;
  p.ts_recv_ns = k.ts_recv_ns;
  p.ts_publish_ns = k.ts_publish_ns;
  return p;
}

// Slot k holds known position k; BTC is first published with quantity 1.
bool publish_positions(shm::VenueWriter& w) {
  const auto known = tt::known_positions();
  shm::Position first = position_of(known[0]);
  first.value[0] = 1;
  first.exp[0] = 0;
  bool ok = w.publish_position(0, first) == shm::PublishResult::ok;
  for (std::uint32_t k = 0; k < known.size(); ++k) {
    ok = ok && w.publish_position(k, position_of(known[k])) == shm::PublishResult::ok;
  }
  return ok;
}

bool publish_reference(shm::VenueWriter& w) {
  const tt::KnownReference k = tt::known_reference();
  return w.publish_reference(0, k.first) == shm::PublishResult::ok &&
         w.publish_reference(0, k.last) == shm::PublishResult::ok;
}

// The stream scenario's book updates: alpha SPOT_BTC_USDT again, version
// 1000 + k, received at k us, published exactly 1.5 us later.
void republish_btc(shm::VenueWriter& w, std::uint64_t k) {
  const tt::KnownBook b = tt::known_books()[0];
  shm::BookMeta m;
  m.px_exp = b.px_exp;
  m.qty_exp = b.qty_exp;
  m.ts_recv_ns = static_cast<std::int64_t>(k) * 1000;
  m.ts_publish_ns = m.ts_recv_ns + 1500;
  (void)w.publish_levels(0, m, b.bids, b.asks, 1000 + k);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr,
                 "usage: %s DIR books|notlive|lap|positions|consolidated|reference|stream\n",
                 argv[0]);
    return 64;
  }
  const std::string scenario = argv[2];
  if (scenario != "books" && scenario != "notlive" && scenario != "lap" &&
      scenario != "positions" && scenario != "consolidated" && scenario != "reference" &&
      scenario != "stream") {
    std::fprintf(stderr, "unknown scenario %s\n", scenario.c_str());
    return 64;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);

  shm::SegmentOptions o;
  o.dir = argv[1];
  std::vector<shm::VenueConfig> configs;
  for (const auto& v : tt::known_venues()) {
    shm::VenueConfig c;
    c.name = v.name;
    for (const char* s : v.symbols) c.symbols.emplace_back(s);
    c.depth = v.depth;
    c.ring_capacity = 64;
    configs.push_back(c);
  }
  std::vector<std::unique_ptr<shm::VenueWriter>> writers(configs.size());
  for (std::size_t v = 0; v < configs.size(); ++v) {
    const shm::CreateStatus st = shm::VenueWriter::create(o, configs[v], writers[v]);
    if (!st.ok()) {
      std::fprintf(stderr, "venue %s: %s (%s)\n", configs[v].name.c_str(), to_string(st.error),
                   st.detail.c_str());
      return 2;
    }
  }
  std::unique_ptr<shm::ControlWriter> control;
  if (const auto st = shm::ControlWriter::create(o, tt::kInstance, configs, control); !st.ok()) {
    std::fprintf(stderr, "control: %s (%s)\n", to_string(st.error), st.detail.c_str());
    return 2;
  }
  if (!publish_known(writers)) return 3;
  if (scenario == "notlive" &&
      writers[1]->set_status(0, shm::Status::resyncing, 1'700'000'000'444'000'000) !=
          shm::PublishResult::ok) {
    return 3;
  }
  if (scenario == "positions" && !publish_positions(*writers[0])) return 3;
  if (scenario == "reference" && !publish_reference(*writers[0])) return 3;
  std::unique_ptr<shm::ConsolidatedWriter> consolidated;
  std::vector<shm::MemberLines> lines;
  if (scenario == "consolidated" && !publish_consolidated(o, consolidated, lines)) return 3;
  std::uint64_t k = 0;
  if (scenario == "lap") {
    while (k < 1000) writers[0]->append(level_event(++k));
  }
  for (auto& w : writers) {
    w->set_state(shm::SegmentState::live);
    w->heartbeat(mono_ns());
  }
  control->set_state(shm::SegmentState::live);
  control->heartbeat(mono_ns());
  std::printf("READY alpha_generation=0x%016llx beta_generation=0x%016llx alpha_head=%llu\n",
              static_cast<unsigned long long>(writers[0]->generation()),
              static_cast<unsigned long long>(writers[1]->generation()),
              static_cast<unsigned long long>(writers[0]->ring_head()));
  std::fflush(stdout);

  const std::int64_t end = mono_ns() + 300'000'000'000LL;
  while (g_stop == 0 && mono_ns() < end) {
    for (auto& w : writers) w->heartbeat(mono_ns());
    control->heartbeat(mono_ns());
    if (consolidated) consolidated->heartbeat(mono_ns());
    for (auto& l : lines) l.heartbeat(mono_ns());
    if (scenario == "stream") {
      writers[0]->append(level_event(++k));
      republish_btc(*writers[0], k);
    }
    struct timespec ts {
      0, 2'000'000
    };
    ::nanosleep(&ts, nullptr);
  }
  for (auto& w : writers) w->set_state(shm::SegmentState::closed);
  control->set_state(shm::SegmentState::closed);
  if (consolidated) consolidated->set_state(shm::SegmentState::closed);
  return 0;
}
