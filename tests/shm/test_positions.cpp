// The positions section (DESIGN §9a): slots written by the venue writer,
// read back through the C++ reader and the C ABI, their POSITION events, and
// a multi-process run that must never return a torn position.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include <wirebook/reader.h>
#include <wirebook/reader.hpp>

#include "shm/writer.hpp"
#include "tests/shm/test_util.hpp"

using namespace wirebook::shm;
namespace t = wirebook::shm::test;
using PF = PositionField;

namespace {

std::unique_ptr<VenueWriter> make_writer(const t::TempDir& dir, std::uint32_t positions,
                                         std::uint32_t ring = 16) {
  SegmentOptions opt;
  opt.dir = dir.path();
  VenueConfig cfg;
  cfg.name = "oxfun";
  cfg.symbols = {"BTC-USD-SWAP-LIN"};
  cfg.depth = 4;
  cfg.ring_capacity = ring;
  cfg.position_capacity = positions;
  std::unique_ptr<VenueWriter> w;
  const CreateStatus st = VenueWriter::create(opt, cfg, w);
  INFO(st.detail);
  REQUIRE(st.ok());
  w->set_state(SegmentState::live);
  w->heartbeat(t::mono_ns());
  return w;
}

VenueReader open_reader(const t::TempDir& dir) {
  VenueReader r;
  REQUIRE(VenueReader::open(dir.path(), "oxfun", r) == OpenError::ok);
  return r;
}

void set(Position& p, PF f, std::int64_t value, int exp) {
  p.value[static_cast<std::size_t>(f)] = value;
  p.exp[static_cast<std::size_t>(f)] = static_cast<std::int8_t>(exp);
  p.known = static_cast<std::uint16_t>(p.known | Position::bit(f));
}

Position named(const char* instrument) {
  Position p;
  std::strncpy(p.instrument, instrument, kSymbolLen - 1);
  return p;
}

// A long position with every field: 0.5 at 43210.5, PnL -12.25, liquidation
// 30000, margin 2160.525, leverage 10.
Position full_position() {
  Position p = named("BTC-USD-SWAP-LIN");
  set(p, PF::quantity, 5, -1);
  set(p, PF::entry_price, 432105, -1);
  set(p, PF::pnl, -1225, -2);
  set(p, PF::liquidation_price, 3, 4);
  set(p, PF::margin, 2160525, -3);
  set(p, PF::leverage, 10, 0);
  p.ts_exchange_ns = 1'700'000'000'111'000'000;
  p.ts_recv_ns = 1'700'000'000'111'500'000;
  p.ts_publish_ns = 1'700'000'000'111'502'000;
  return p;
}

}  // namespace

TEST_CASE("a published position reads back with every field, its exponents and times",
          "[shm][positions]") {
  t::TempDir dir;
  auto w = make_writer(dir, 4);
  VenueReader r = open_reader(dir);
  REQUIRE(r.refresh() == Liveness::alive);
  REQUIRE(r.position_capacity() == 4);
  REQUIRE(r.position_count() == 0);
  (void)w->append(Event{});  // the position event is then seq 2
  REQUIRE(w->publish_position(0, full_position()) == PublishResult::ok);

  Position p;
  REQUIRE(r.read_position(0, p) == ReadResult::ok);
  CHECK(std::string(p.instrument) == "BTC-USD-SWAP-LIN");
  CHECK(p.known == 0x3F);
  CHECK(p.raw(PF::quantity) == 5);
  CHECK(p.exponent(PF::quantity) == -1);
  CHECK(p.raw(PF::entry_price) == 432105);
  CHECK(p.raw(PF::pnl) == -1225);
  CHECK(p.exponent(PF::pnl) == -2);
  CHECK(p.raw(PF::liquidation_price) == 3);
  CHECK(p.exponent(PF::liquidation_price) == 4);
  CHECK(p.raw(PF::margin) == 2160525);
  CHECK(p.exponent(PF::margin) == -3);
  CHECK(p.raw(PF::leverage) == 10);
  CHECK(p.ts_exchange_ns == 1'700'000'000'111'000'000);
  CHECK(p.ts_recv_ns == 1'700'000'000'111'500'000);
  CHECK(p.ts_publish_ns == 1'700'000'000'111'502'000);
  CHECK(p.update_count == 1);
  CHECK(p.ring_seq == 2);
  CHECK(p.writer_ok);

  // The POSITION event follows the slot: whoever polls it finds the slot written.
  RingCursor c = r.cursor_from(2);
  Event ev;
  std::uint64_t lost = 0;
  REQUIRE(r.poll(c, ev, lost) == PollResult::event);
  CHECK(ev.seq == 2);
  CHECK(ev.type == EventType::position);
  CHECK(ev.instrument == 0);
  CHECK(ev.qty == 5);
  CHECK(ev.qty_exp == -1);
  CHECK(ev.px == 432105);
  CHECK(ev.px_exp == -1);
  CHECK(ev.aux0 == 1);
  CHECK(ev.aux1 == 0x3F);
  CHECK(ev.ts_exchange_ns == 1'700'000'000'111'000'000);
  REQUIRE(r.poll(c, ev, lost) == PollResult::nothing);
}

TEST_CASE("fields the venue did not send read as unknown", "[shm][positions]") {
  t::TempDir dir;
  auto w = make_writer(dir, 2);
  VenueReader r = open_reader(dir);
  Position in = named("ETH-USD-SWAP-LIN");
  set(in, PF::quantity, -3, 0);
  set(in, PF::margin, 25, -1);
  REQUIRE(w->publish_position(0, in) == PublishResult::ok);
  Position p;
  REQUIRE(r.read_position(0, p) == ReadResult::ok);
  CHECK(p.has(PF::quantity));
  CHECK(p.raw(PF::quantity) == -3);
  CHECK(p.has(PF::margin));
  CHECK_FALSE(p.has(PF::entry_price));
  CHECK_FALSE(p.has(PF::pnl));
  CHECK_FALSE(p.has(PF::liquidation_price));
  CHECK_FALSE(p.has(PF::leverage));
  Event ev;
  std::uint64_t lost = 0;
  RingCursor c = r.cursor_from(1);
  REQUIRE(r.poll(c, ev, lost) == PollResult::event);
  CHECK(ev.px == 0);  // no entry price sent
  CHECK(ev.px_exp == 0);
  CHECK(ev.aux1 == (Position::bit(PF::quantity) | Position::bit(PF::margin)));
}

TEST_CASE("slots are used in order; lookups see published slots only; bad slots are refused",
          "[shm][positions]") {
  t::TempDir dir;
  auto w = make_writer(dir, 3);
  VenueReader r = open_reader(dir);
  REQUIRE(w->position_capacity() == 3);
  REQUIRE(w->publish_position(0, named("A")) == PublishResult::ok);
  REQUIRE(w->publish_position(1, named("B-PERP")) == PublishResult::ok);
  CHECK(r.position_count() == 2);
  CHECK(r.find_position("B-PERP") == 1);
  CHECK(r.find_position("A") == 0);
  CHECK(r.find_position("B") == 3);
  Position p;
  CHECK(r.read_position(2, p) == ReadResult::empty);
  CHECK(r.read_position(3, p) == ReadResult::bad_instrument);
  CHECK(w->publish_position(3, named("C")) == PublishResult::bad_instrument);
  CHECK(w->publish_position(2, Position{}) == PublishResult::bad_instrument);  // no name
  CHECK(w->ring_head() == 2);  // refused publications append nothing
}

TEST_CASE("readers always see a position's newest publication as copies alternate",
          "[shm][positions]") {
  t::TempDir dir;
  auto w = make_writer(dir, 1);
  VenueReader r = open_reader(dir);
  for (std::int64_t k = 1; k <= 50; ++k) {
    Position in = named("X");
    set(in, PF::quantity, k % 2 == 0 ? k : -k, -2);
    REQUIRE(w->publish_position(0, in) == PublishResult::ok);
    Position p;
    REQUIRE(r.read_position(0, p) == ReadResult::ok);
    REQUIRE(p.update_count == static_cast<std::uint64_t>(k));
    REQUIRE(p.raw(PF::quantity) == (k % 2 == 0 ? k : -k));
    REQUIRE(p.ring_seq == static_cast<std::uint64_t>(k));
  }
}

TEST_CASE("a segment without a positions section has none to read", "[shm][positions]") {
  t::TempDir dir;
  auto w = make_writer(dir, 0);
  VenueReader r = open_reader(dir);
  CHECK(r.position_capacity() == 0);
  CHECK(r.position_count() == 0);
  CHECK(r.find_position("A") == 0);
  Position p;
  CHECK(r.read_position(0, p) == ReadResult::bad_instrument);
  CHECK(w->publish_position(0, named("A")) == PublishResult::bad_instrument);
}

TEST_CASE("a position capacity beyond the maximum is a bad config", "[shm][positions]") {
  t::TempDir dir;
  SegmentOptions opt;
  opt.dir = dir.path();
  VenueConfig cfg;
  cfg.name = "oxfun";
  cfg.symbols = {"A"};
  cfg.ring_capacity = 8;
  cfg.position_capacity = kMaxPositions + 1;
  std::unique_ptr<VenueWriter> w;
  CHECK(VenueWriter::create(opt, cfg, w).error == CreateError::bad_config);
}

TEST_CASE("the C ABI reads the same positions", "[shm][positions][c]") {
  t::TempDir dir;
  auto w = make_writer(dir, 4);
  REQUIRE(w->publish_position(0, named("A")) == PublishResult::ok);
  REQUIRE(w->publish_position(1, full_position()) == PublishResult::ok);
  wb_venue* v = nullptr;
  REQUIRE(wb_venue_open(dir.path().c_str(), "oxfun", -1, &v) == WB_OK);
  REQUIRE(wb_venue_refresh(v) == WB_ALIVE);
  CHECK(wb_position_capacity(v) == 4);
  CHECK(wb_position_count(v) == 2);
  CHECK(wb_find_position(v, "NOPE") == 4);
  CHECK(wb_find_position(v, nullptr) == 4);
  const uint32_t slot = wb_find_position(v, "BTC-USD-SWAP-LIN");
  REQUIRE(slot == 1);
  wb_position p;
  REQUIRE(wb_read_position(v, slot, &p) == WB_READ_OK);
  CHECK(std::string(p.instrument) == "BTC-USD-SWAP-LIN");
  CHECK(p.known == 0x3F);
  CHECK(p.value[WB_POS_QUANTITY] == 5);
  CHECK(p.exp[WB_POS_QUANTITY] == -1);
  CHECK(p.value[WB_POS_PNL] == -1225);
  CHECK(p.exp[WB_POS_LIQUIDATION_PRICE] == 4);
  CHECK(p.value[WB_POS_MARGIN] == 2160525);
  CHECK(p.ts_recv_ns == 1'700'000'000'111'500'000);
  CHECK(p.update_count == 1);
  CHECK(p.ring_seq == 2);
  CHECK(p.writer_ok == 1);
  CHECK(wb_read_position(v, 2, &p) == WB_READ_EMPTY);
  CHECK(wb_read_position(v, 4, &p) == WB_READ_BAD_INSTRUMENT);
  CHECK(std::string(wb_position_field_name(WB_POS_LIQUIDATION_PRICE)) == "liquidation_price");
  CHECK(std::string(wb_position_field_name(WB_POS_FIELDS)) == "unknown");
  wb_cursor c = wb_cursor_from(v, 2);
  wb_event ev;
  uint64_t lost = 0;
  REQUIRE(wb_poll(v, &c, &ev, &lost) == WB_POLL_EVENT);
  CHECK(ev.type == WB_EV_POSITION);
  CHECK(ev.instrument == 1);
  wb_venue_close(v);
}

// ---- torn reads ------------------------------------------------------------------

namespace {

constexpr std::uint32_t kTortureSlots = 4;

struct TortureShared {
  std::atomic<int> ready{0};
  std::atomic<int> done{0};
  std::atomic<std::uint64_t> final_count[kTortureSlots]{};
};

// The payload of publication n of slot s: every field derived from (s, n), so
// a read that mixes two publications fails the check.
Position torture_position(std::uint32_t s, std::uint64_t n) {
  Position p = named(("POS-" + std::to_string(s)).c_str());
  p.known = static_cast<std::uint16_t>(1U + n % 63U);
  for (std::size_t f = 0; f < kPositionFields; ++f) {
    p.value[f] = static_cast<std::int64_t>(t::mix(s * 1'000'003ULL + n * 8 + f) >> 1U);
    p.exp[f] = static_cast<std::int8_t>(-static_cast<int>((n + f) % 9));
  }
  p.ts_exchange_ns = static_cast<std::int64_t>(n);
  p.ts_recv_ns = static_cast<std::int64_t>(t::mix(n ^ s) >> 1U);
  return p;
}

bool consistent(std::uint32_t s, const Position& p) {
  const Position want = torture_position(s, p.update_count);
  return std::string(p.instrument) == want.instrument && p.known == want.known &&
         std::memcmp(p.value, want.value, sizeof p.value) == 0 &&
         std::memcmp(p.exp, want.exp, sizeof p.exp) == 0 &&
         p.ts_exchange_ns == want.ts_exchange_ns && p.ts_recv_ns == want.ts_recv_ns;
}

int torture_writer(const std::string& dir, std::uint64_t publications, TortureShared* sh) {
  SegmentOptions o;
  o.dir = dir;
  VenueConfig c;
  c.name = "torture";
  c.symbols = {"A"};
  c.ring_capacity = 1024;
  c.position_capacity = kTortureSlots;
  std::unique_ptr<VenueWriter> w;
  if (!VenueWriter::create(o, c, w).ok()) return 2;
  w->set_state(SegmentState::live);
  std::uint64_t counts[kTortureSlots] = {};
  for (std::uint32_t s = 0; s < kTortureSlots; ++s) {
    (void)w->publish_position(s, torture_position(s, ++counts[s]));
  }
  sh->ready.store(1);
  std::uint64_t x = 1;
  for (std::uint64_t k = 0; k < publications; ++k) {
    x = t::mix(x + k);
    const auto s = static_cast<std::uint32_t>(x % kTortureSlots);
    (void)w->publish_position(s, torture_position(s, ++counts[s]));
  }
  for (std::uint32_t s = 0; s < kTortureSlots; ++s) sh->final_count[s].store(counts[s]);
  sh->done.store(1);
  return 0;
}

}  // namespace

TEST_CASE("position reads are never torn while another process republishes at full speed",
          "[shm][positions][torture]") {
  t::TempDir dir("pos");
  t::Shared<TortureShared> sh;
  t::ChildGuard children;
  const std::uint64_t publications = t::long_tests() ? 50'000'000 : 3'000'000;
  const pid_t writer =
      t::fork_child([&] { return torture_writer(dir.path(), publications, &*sh); });
  REQUIRE(t::wait_until([&] { return sh->ready.load() == 1; }, 60 * t::kSecond));
  VenueReader r;
  REQUIRE(VenueReader::open(dir.path(), "torture", r) == OpenError::ok);
  std::uint64_t reads = 0;
  std::uint64_t torn = 0;
  std::uint64_t backwards = 0;
  std::uint64_t last[kTortureSlots] = {};
  const auto read_all = [&] {
    for (std::uint32_t s = 0; s < kTortureSlots; ++s) {
      Position p;
      if (r.read_position(s, p) != ReadResult::ok) continue;
      ++reads;
      if (!consistent(s, p)) ++torn;
      if (p.update_count < last[s]) ++backwards;
      last[s] = p.update_count;
    }
  };
  while (sh->done.load(std::memory_order_acquire) == 0) read_all();
  read_all();
  REQUIRE(t::wait_child(writer, 60 * t::kSecond) == 0);
  INFO("reads " << reads);
  CHECK(torn == 0);
  CHECK(backwards == 0);
  CHECK(reads > kTortureSlots);
  for (std::uint32_t s = 0; s < kTortureSlots; ++s) CHECK(last[s] == sh->final_count[s].load());
}
