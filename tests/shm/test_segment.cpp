// Single-process behaviour of the writer and the reader: books, ring, control.
#include <catch2/catch.hpp>
#include <vector>

#include <wirebook/reader.h>
#include <wirebook/reader.hpp>

#include "book/l2_book.hpp"
#include "shm/writer.hpp"
#include "tests/shm/test_util.hpp"

using namespace wirebook::shm;
using wirebook::shm::test::TempDir;

namespace {

std::unique_ptr<VenueWriter> make_writer(const TempDir& dir, std::uint32_t depth = 8,
                                         std::uint32_t ring = 16, const char* venue = "woo") {
  SegmentOptions opt;
  opt.dir = dir.path();
  VenueConfig cfg;
  cfg.name = venue;
  cfg.symbols = {"SPOT_BTC_USDT", "SPOT_ETH_USDT", "PERP_BTC_USDT"};
  cfg.depth = depth;
  cfg.ring_capacity = ring;
  std::unique_ptr<VenueWriter> w;
  const CreateStatus st = VenueWriter::create(opt, cfg, w);
  INFO(st.detail);
  REQUIRE(st.ok());
  w->set_state(SegmentState::live);
  w->heartbeat(test::mono_ns());
  return w;
}

VenueReader open_reader(const TempDir& dir, const char* venue = "woo") {
  VenueReader r;
  const OpenError e = VenueReader::open(dir.path(), venue, r);
  INFO(to_string(e));
  REQUIRE(e == OpenError::ok);
  return r;
}

}  // namespace

TEST_CASE("an unpublished book reads empty", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir);
  VenueReader r = open_reader(dir);
  REQUIRE(r.instrument_count() == 3);
  REQUIRE(std::string(r.symbol(1)) == "SPOT_ETH_USDT");
  REQUIRE(r.find("PERP_BTC_USDT") == 2);
  REQUIRE(r.find("NOPE") == 3);
  Bbo b;
  REQUIRE(r.read_bbo(0, b) == ReadResult::empty);
  REQUIRE(r.read_bbo(3, b) == ReadResult::bad_instrument);
}

TEST_CASE("a published book reads back with levels, status, exponents and timestamps", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir, 4);
  VenueReader r = open_reader(dir);
  const std::vector<Level> bids = {
      {5674915, 103}, {5674900, 7}, {5674800, 1}, {5674700, 2}, {5674600, 9}};
  const std::vector<Level> asks = {{5674920, 5}};
  BookMeta m;
  m.status = Status::live;
  m.px_exp = -2;
  m.qty_exp = -8;
  m.ts_exchange_ns = 111;
  m.ts_recv_ns = 222;
  m.ts_publish_ns = 333;
  w->append(Event{});
  REQUIRE(w->publish_levels(1, m, bids, asks, 42) == PublishResult::ok);

  Level ob[8];
  Level oa[8];
  BookView v;
  REQUIRE(r.read_book(1, v, ob, oa, 8) == ReadResult::ok);
  REQUIRE(v.top.status == Status::live);
  REQUIRE(v.trusted());
  REQUIRE(v.top.px_exp == -2);
  REQUIRE(v.top.qty_exp == -8);
  REQUIRE(v.top.version == 42);
  REQUIRE(v.top.ts_exchange_ns == 111);
  REQUIRE(v.ts_recv_ns == 222);
  REQUIRE(v.ts_publish_ns == 333);
  REQUIRE(v.update_count == 1);
  REQUIRE(v.ring_seq == 1);
  REQUIRE(v.bids == 4);  // depth 4 keeps the best four
  REQUIRE(v.asks == 1);
  REQUIRE(ob[0].px == 5674915);
  REQUIRE(ob[3].px == 5674700);
  REQUIRE(oa[0].qty == 5);
  REQUIRE(v.top.bid.px == 5674915);
  REQUIRE(v.top.ask.px == 5674920);
  REQUIRE(v.top.flags == kFlagNone);

  // max_levels smaller than the book: only that many are copied.
  REQUIRE(r.read_book(1, v, ob, oa, 2) == ReadResult::ok);
  REQUIRE(v.bids == 2);
}

TEST_CASE("readers always see the newest publication as copies alternate", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir);
  VenueReader r = open_reader(dir);
  for (std::uint64_t v = 1; v <= 50; ++v) {
    const std::vector<Level> bids = {{static_cast<std::int64_t>(100 + v), 1}};
    REQUIRE(w->publish_levels(0, BookMeta{}, bids, {}, v) == PublishResult::ok);
    Bbo b;
    REQUIRE(r.read_bbo(0, b) == ReadResult::ok);
    REQUIRE(b.version == v);
    REQUIRE(b.bid.px == static_cast<std::int64_t>(100 + v));
    REQUIRE(b.ask_count == 0);
  }
}

TEST_CASE("publishing an L2Book copies its top N and derives CROSSED and TRUNCATED", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir, 3);
  VenueReader r = open_reader(dir);
  wirebook::book::L2Book book(4);
  using wirebook::book::Side;
  for (std::int64_t px = 100; px < 106; ++px) (void)book.set_level(Side::bid, px, px * 10);
  (void)book.set_level(Side::ask, 104, 1);
  BookMeta m;
  m.px_exp = -1;
  REQUIRE(w->publish(0, book, m) == PublishResult::ok);
  Level b[3];
  Level a[3];
  BookView v;
  REQUIRE(r.read_book(0, v, b, a, 3) == ReadResult::ok);
  REQUIRE(v.bids == 3);
  REQUIRE(b[0].px == 105);
  REQUIRE(b[2].px == 103);
  REQUIRE(b[0].qty == 1050);
  REQUIRE(v.top.version == book.version());
  REQUIRE((v.top.flags & kFlagCrossed) != 0);
  REQUIRE((v.top.flags & kFlagTruncated) != 0);  // 6 bids into a 4-level book
  REQUIRE(v.top.px_exp == -1);
}

TEST_CASE("set_status republishes the last levels and appends a STATUS event", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir);
  VenueReader r = open_reader(dir);
  RingCursor c = r.cursor_at_head();
  const std::vector<Level> bids = {{10, 1}, {9, 2}};
  BookMeta m;
  m.px_exp = -3;
  REQUIRE(w->publish_levels(2, m, bids, {}, 7) == PublishResult::ok);
  REQUIRE(w->set_status(2, Status::resyncing, 99) == PublishResult::ok);
  Level b[8];
  Level a[8];
  BookView v;
  REQUIRE(r.read_book(2, v, b, a, 8) == ReadResult::ok);
  REQUIRE(v.top.status == Status::resyncing);
  REQUIRE_FALSE(v.trusted());
  REQUIRE(v.bids == 2);
  REQUIRE(b[1].qty == 2);
  REQUIRE(v.top.version == 7);
  REQUIRE(v.top.px_exp == -3);
  REQUIRE(v.ts_publish_ns == 99);
  Event ev;
  std::uint64_t lost = 0;
  REQUIRE(r.poll(c, ev, lost) == PollResult::event);
  REQUIRE(ev.type == EventType::status);
  REQUIRE(ev.instrument == 2);
  REQUIRE(ev.aux0 == static_cast<std::int64_t>(Status::resyncing));
  REQUIRE(v.ring_seq == ev.seq);
  REQUIRE(w->set_status(0, static_cast<Status>(9), 0) == PublishResult::bad_status);
}

TEST_CASE("ring events arrive in order, then nothing until the next append", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir, 4, 8);
  VenueReader r = open_reader(dir);
  RingCursor c = r.cursor_at_head();
  Event ev;
  std::uint64_t lost = 0;
  REQUIRE(r.poll(c, ev, lost) == PollResult::nothing);
  for (int i = 1; i <= 20; ++i) {
    Event e;
    e.type = EventType::trade;
    e.px = i;
    e.qty = 2 * i;
    e.px_exp = -2;
    REQUIRE(w->append(e) == static_cast<std::uint64_t>(i));
    REQUIRE(r.poll(c, ev, lost) == PollResult::event);
    REQUIRE(ev.seq == static_cast<std::uint64_t>(i));
    REQUIRE(ev.type == EventType::trade);
    REQUIRE(ev.px == i);
    REQUIRE(ev.qty == 2 * i);
    REQUIRE(ev.px_exp == -2);
    REQUIRE(r.poll(c, ev, lost) == PollResult::nothing);
  }
  REQUIRE(r.ring_head() == 20);
}

TEST_CASE("a lapped reader is told so, with an exact account of what it skips", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir, 4, 8);
  VenueReader r = open_reader(dir);
  RingCursor c = r.cursor_at_head();  // next = 1
  for (int i = 1; i <= 20; ++i) {
    Event e;
    e.aux0 = i;
    (void)w->append(e);
  }
  Event ev;
  std::uint64_t lost = 0;
  REQUIRE(r.poll(c, ev, lost) == PollResult::lapped);
  REQUIRE(lost == 19);  // resumes at the head: events 1..19 skipped
  REQUIRE(r.poll(c, ev, lost) == PollResult::event);
  REQUIRE(ev.seq == 20);
  REQUIRE(ev.aux0 == 20);
  // A cursor inside the window still reads everything.
  RingCursor old = r.cursor_from(14);
  for (std::uint64_t s = 14; s <= 20; ++s) {
    REQUIRE(r.poll(old, ev, lost) == PollResult::event);
    REQUIRE(ev.seq == s);
  }
}

TEST_CASE("idle appends a heartbeat event only when nothing else was appended", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir);
  VenueReader r = open_reader(dir);
  RingCursor c = r.cursor_at_head();
  w->idle(1000);
  Event ev;
  std::uint64_t lost = 0;
  REQUIRE(r.poll(c, ev, lost) == PollResult::event);
  REQUIRE(ev.type == EventType::heartbeat);
  (void)w->append(Event{});
  w->idle(2000);
  REQUIRE(r.poll(c, ev, lost) == PollResult::event);
  REQUIRE(ev.type == EventType::none);
  REQUIRE(r.poll(c, ev, lost) == PollResult::nothing);
  REQUIRE(r.heartbeat_ns() == 2000);
}

TEST_CASE("a late joiner rebuilds books from slots plus the events they do not reflect", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir, 16, 64);
  using wirebook::book::L2Book;
  using wirebook::book::Side;
  std::vector<L2Book> books;
  for (int i = 0; i < 3; ++i) books.emplace_back(16);
  std::uint64_t x = test::random_seed();
  INFO("seed " << x);
  auto step = [&](bool publish) {
    x = test::mix(x);
    const auto i = static_cast<std::uint32_t>(x % 3);
    const Side side = (x >> 8U) % 2 == 0 ? Side::bid : Side::ask;
    const std::int64_t px = side == Side::bid ? 100 - static_cast<std::int64_t>((x >> 16U) % 10)
                                              : 101 + static_cast<std::int64_t>((x >> 16U) % 10);
    const auto qty = static_cast<std::int64_t>((x >> 32U) % 4);
    (void)books[i].set_level(side, px, qty);
    Event e;
    e.type = EventType::level;
    e.instrument = i;
    e.side = static_cast<std::uint8_t>(side);
    e.px = px;
    e.qty = qty;
    (void)w->append(e);
    if (publish) REQUIRE(w->publish(i, books[i], BookMeta{}) == PublishResult::ok);
  };
  for (int k = 0; k < 200; ++k) step(true);
  step(false);  // the joiner arrives between an event and its publication
  VenueReader r = open_reader(dir);
  std::vector<L2Book> mine;
  std::uint64_t min_seq = UINT64_MAX;
  std::vector<std::uint64_t> reflected(3);
  for (std::uint32_t i = 0; i < 3; ++i) {
    mine.emplace_back(16);
    Level b[16];
    Level a[16];
    BookView v;
    REQUIRE(r.read_book(i, v, b, a, 16) == ReadResult::ok);
    std::vector<wirebook::book::Level> bb;
    std::vector<wirebook::book::Level> aa;
    for (std::uint32_t k = 0; k < v.bids; ++k) bb.push_back({b[k].px, b[k].qty});
    for (std::uint32_t k = 0; k < v.asks; ++k) aa.push_back({a[k].px, a[k].qty});
    REQUIRE(mine[i].apply_snapshot(bb, aa));
    reflected[i] = v.ring_seq;
    min_seq = std::min(min_seq, v.ring_seq);
  }
  RingCursor c = r.cursor_from(min_seq + 1);
  for (int k = 0; k < 30; ++k) step(k % 2 == 0);
  Event ev;
  std::uint64_t lost = 0;
  PollResult p;
  while ((p = r.poll(c, ev, lost)) == PollResult::event) {
    if (ev.seq <= reflected[ev.instrument]) continue;  // already in the slot
    (void)mine[ev.instrument].set_level(static_cast<Side>(ev.side), ev.px, ev.qty);
  }
  REQUIRE(p == PollResult::nothing);
  for (std::uint32_t i = 0; i < 3; ++i) {
    for (Side s : {Side::bid, Side::ask}) {
      wirebook::book::Level want[16];
      wirebook::book::Level got[16];
      const std::size_t nw = books[i].copy_top(s, want, 16);
      const std::size_t ng = mine[i].copy_top(s, got, 16);
      REQUIRE(nw == ng);
      for (std::size_t k = 0; k < nw; ++k) REQUIRE(want[k] == got[k]);
    }
  }
}

TEST_CASE("the control segment lists the instance's venues", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir, 4, 8, "woo");
  SegmentOptions opt;
  opt.dir = dir.path();
  VenueConfig a;
  a.name = "woo";
  VenueConfig b;
  b.name = "pulse";
  std::unique_ptr<ControlWriter> cw;
  REQUIRE(ControlWriter::create(opt, "main", {a, b}, cw).ok());
  InstanceReader in;
  REQUIRE(InstanceReader::open(dir.path(), in) == OpenError::ok);
  REQUIRE(in.venue_count() == 2);
  REQUIRE(std::string(in.venue_name(1)) == "pulse");
  REQUIRE(std::string(in.instance_name()) == "main");
  REQUIRE(in.liveness() == Liveness::alive);
  VenueReader vr;
  REQUIRE(in.open_venue("woo", vr) == OpenError::ok);
  REQUIRE(vr.instrument_count() == 3);
  REQUIRE(in.open_venue("pulse", vr) == OpenError::missing);  // listed, segment not created
  REQUIRE(in.open_venue("ocx", vr) == OpenError::not_found);
  cw->set_state(SegmentState::closed);
  REQUIRE(in.liveness() == Liveness::closed);
  REQUIRE_FALSE(in.refresh());
  // The daemon restarts with one more venue: the reader follows.
  cw.reset();
  VenueConfig c;
  c.name = "ocx";
  REQUIRE(ControlWriter::create(opt, "main", {a, b, c}, cw).ok());
  REQUIRE(in.refresh());
  REQUIRE(in.venue_count() == 3);
  REQUIRE(in.liveness() == Liveness::alive);
  wb_instance* ci = nullptr;
  REQUIRE(wb_instance_open(dir.path().c_str(), &ci) == WB_OK);
  REQUIRE(wb_venue_count(ci) == 3);
  REQUIRE(std::string(wb_venue_name(ci, 2)) == "ocx");
  REQUIRE(wb_instance_refresh(ci) == WB_ALIVE);
  wb_instance_close(ci);
}

TEST_CASE("the C ABI reads the same books and events", "[shm][c]") {
  TempDir dir;
  auto w = make_writer(dir, 4, 8);
  const std::vector<Level> bids = {{5674915, 103}, {5674900, 7}};
  const std::vector<Level> asks = {{5674920, 5}};
  BookMeta m;
  m.px_exp = -2;
  m.qty_exp = -2;
  REQUIRE(w->publish_levels(0, m, bids, asks, 3) == PublishResult::ok);
  wb_venue* v = nullptr;
  REQUIRE(wb_venue_open(dir.path().c_str(), "nope", -1, &v) == WB_ERR_MISSING);
  REQUIRE(std::string(wb_error_string(WB_ERR_MISSING)) == "segment not found");
  REQUIRE(wb_venue_open(dir.path().c_str(), "woo", -1, &v) == WB_OK);
  REQUIRE(wb_venue_refresh(v) == WB_ALIVE);
  const uint32_t i = wb_find(v, "SPOT_BTC_USDT");
  REQUIRE(i == 0);
  wb_bbo b;
  REQUIRE(wb_read_bbo(v, i, &b) == WB_READ_OK);
  REQUIRE(b.bid.px == 5674915);
  REQUIRE(b.ask.qty == 5);
  REQUIRE(b.trusted == 1);
  wb_level lb[4];
  wb_level la[4];
  wb_book book;
  REQUIRE(wb_read_book(v, i, &book, lb, la, 4) == WB_READ_OK);
  REQUIRE(book.bids == 2);
  REQUIRE(lb[1].px == 5674900);
  wb_cursor c = wb_cursor_at_head(v);
  Event e;
  e.type = EventType::bbo;
  e.px = 1;
  e.aux1 = 77;
  (void)w->append(e);
  wb_event ev;
  uint64_t lost = 0;
  REQUIRE(wb_poll(v, &c, &ev, &lost) == WB_POLL_EVENT);
  REQUIRE(ev.type == WB_EV_BBO);
  REQUIRE(ev.aux1 == 77);
  REQUIRE(wb_poll(v, &c, &ev, &lost) == WB_POLL_NOTHING);
  wb_venue_close(v);
}

TEST_CASE("full books mirror at depth 1000 and at the maximum depth", "[shm]") {
  for (std::uint32_t depth : {1000U, kMaxDepth}) {
    CAPTURE(depth);
    TempDir dir;
    auto w = make_writer(dir, depth, 8);
    VenueReader r = open_reader(dir);
    REQUIRE(r.depth() == depth);
    wirebook::book::L2Book book(depth + 10);
    for (std::int64_t k = 0; k < static_cast<std::int64_t>(depth) + 10; ++k) {
      (void)book.set_level(wirebook::book::Side::bid, 1'000'000 - k, k + 1);
      (void)book.set_level(wirebook::book::Side::ask, 1'000'001 + k, 2 * k + 1);
    }
    for (int rep = 0; rep < 3; ++rep) REQUIRE(w->publish(2, book, BookMeta{}) == PublishResult::ok);
    std::vector<Level> b(depth);
    std::vector<Level> a(depth);
    BookView v;
    REQUIRE(r.read_book(2, v, b.data(), a.data(), depth) == ReadResult::ok);
    REQUIRE(v.bids == depth);
    REQUIRE(v.asks == depth);
    REQUIRE(v.update_count == 3);
    bool all = true;
    for (std::uint32_t k = 0; k < depth; ++k) {
      const auto kk = static_cast<std::int64_t>(k);
      all = all && b[k].px == 1'000'000 - kk && b[k].qty == kk + 1 && a[k].px == 1'000'001 + kk &&
            a[k].qty == 2 * kk + 1;
    }
    REQUIRE(all);
  }
}

TEST_CASE("the feed latency in the header reads back as published, empty before", "[shm]") {
  TempDir dir;
  auto w = make_writer(dir, 3);
  VenueReader r = open_reader(dir);
  FeedLatency f;
  CHECK(r.read_feed_latency(f) == ReadResult::empty);
  w->set_feed_latency(FeedLatency{1'500'000, 9'000'000, 1234, 5, 10});
  REQUIRE(r.read_feed_latency(f) == ReadResult::ok);
  CHECK(f.p50_ns == 1'500'000);
  CHECK(f.p99_ns == 9'000'000);
  CHECK(f.samples == 1234);
  CHECK(f.ahead == 5);
  CHECK(f.window_s == 10);
  w->set_feed_latency(FeedLatency{2, 3, 4, 0, 10});
  REQUIRE(r.read_feed_latency(f) == ReadResult::ok);
  CHECK(f.p99_ns == 3);
}
