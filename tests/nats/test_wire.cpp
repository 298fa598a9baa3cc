// The bridge's wire encoding: exact round trips, rejection of damaged
// messages, and price-keyed top-of-book differences against a reference.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <random>

#include "tools/nats/wire.hpp"

using namespace wirebook::nats;
namespace shm = wirebook::shm;

namespace {

struct Collected final : EventsVisitor {
  std::vector<shm::Event> events;
  std::vector<BookRecord> books;
  std::vector<std::pair<ResetReason, std::uint64_t>> resets;
  std::vector<std::uint8_t> sources;
  std::vector<char> order;
  void on_event(const shm::Event& ev) override {
    events.push_back(ev);
    order.push_back('e');
  }
  void on_book(const BookRecord& b) override {
    books.push_back(b);
    order.push_back('b');
  }
  void on_reset(ResetReason r, std::uint64_t lost) override {
    resets.emplace_back(r, lost);
    order.push_back('r');
  }
  void on_source(std::uint8_t l) override {
    sources.push_back(l);
    order.push_back('s');
  }
};

shm::Event random_event(std::mt19937_64& rng) {
  shm::Event e;
  // Every event type, level (1) through position (10).
  e.type = static_cast<shm::EventType>(1 + rng() % static_cast<unsigned>(shm::EventType::position));
  e.side = static_cast<std::uint8_t>(rng() % 2);
  e.px_exp = static_cast<std::int8_t>(-static_cast<int>(rng() % 12));
  e.qty_exp = static_cast<std::int8_t>(-static_cast<int>(rng() % 12));
  e.instrument = static_cast<std::uint32_t>(rng() % 70000);
  // Extremes included: deltas between int64 values must wrap and round-trip.
  const auto any = [&] {
    switch (rng() % 4) {
      case 0:
        return static_cast<std::int64_t>(rng());
      case 1:
        return std::numeric_limits<std::int64_t>::min();
      case 2:
        return std::numeric_limits<std::int64_t>::max();
      default:
        return static_cast<std::int64_t>(rng() % 1000) - 500;
    }
  };
  e.ts_exchange_ns = any();
  e.ts_recv_ns = any();
  e.px = any();
  e.qty = any();
  e.aux0 = any();
  e.aux1 = any();
  return e;
}

BookRecord sample_book(bool full) {
  BookRecord b;
  b.instrument = 3;
  b.full = full;
  b.status = 1;
  b.flags = 2;
  b.px_exp = -2;
  b.qty_exp = -8;
  b.version = 123456789;
  b.update_count = 77;
  b.base_update_count = full ? 0 : 76;
  b.ts_exchange_ns = 1'700'000'000'000'000'000;
  b.ts_recv_ns = 1'700'000'000'000'000'100;
  b.ts_publish_ns = -5;
  b.ring_seq = 99;
  b.bids = {{5674915, 103895025}, {5674900, 0}, {-3, 1}};
  b.asks = {{5674920, 1}};
  return b;
}

bool same(const BookRecord& a, const BookRecord& b) {
  const auto lv = [](const std::vector<shm::Level>& x, const std::vector<shm::Level>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t k = 0; k < x.size(); ++k) {
      if (x[k].px != y[k].px || x[k].qty != y[k].qty) return false;
    }
    return true;
  };
  return a.instrument == b.instrument && a.full == b.full && a.status == b.status &&
         a.flags == b.flags && a.px_exp == b.px_exp && a.qty_exp == b.qty_exp &&
         a.version == b.version && a.update_count == b.update_count &&
         a.base_update_count == b.base_update_count && a.ts_exchange_ns == b.ts_exchange_ns &&
         a.ts_recv_ns == b.ts_recv_ns && a.ts_publish_ns == b.ts_publish_ns &&
         a.ring_seq == b.ring_seq && lv(a.bids, b.bids) && lv(a.asks, b.asks);
}

bool same(const shm::Event& a, const shm::Event& b) {
  return a.seq == b.seq && a.type == b.type && a.side == b.side && a.px_exp == b.px_exp &&
         a.qty_exp == b.qty_exp && a.instrument == b.instrument &&
         a.ts_exchange_ns == b.ts_exchange_ns && a.ts_recv_ns == b.ts_recv_ns && a.px == b.px &&
         a.qty == b.qty && a.aux0 == b.aux0 && a.aux1 == b.aux1;
}

}  // namespace

TEST_CASE("an events message round-trips every record in order with implied sequences", "[nats]") {
  std::mt19937_64 rng(42);
  EventsEncoder enc;
  enc.begin(0xDEADBEEFCAFEF00DULL, 1'000'000);
  enc.reset(ResetReason::lapped, 17);
  enc.source(3);
  std::vector<shm::Event> sent;
  for (int k = 0; k < 500; ++k) {
    shm::Event e = random_event(rng);
    e.seq = 1'000'000 + static_cast<std::uint64_t>(k);
    sent.push_back(e);
    enc.event(e);
    if (k == 250) enc.book(sample_book(false));
  }
  enc.book(sample_book(true));
  const std::string msg(enc.finish());
  Collected c;
  EventsHeader h;
  BookRecord scratch;
  REQUIRE(decode_events(msg, h, c, scratch));
  CHECK(h.generation == 0xDEADBEEFCAFEF00DULL);
  CHECK(h.first_seq == 1'000'000);
  CHECK(h.last_seq == 1'000'499);
  REQUIRE(c.events.size() == sent.size());
  for (std::size_t k = 0; k < sent.size(); ++k) CHECK(same(c.events[k], sent[k]));
  REQUIRE(c.books.size() == 2);
  CHECK(same(c.books[0], sample_book(false)));
  CHECK(same(c.books[1], sample_book(true)));
  REQUIRE(c.resets.size() == 1);
  CHECK(c.resets[0].first == ResetReason::lapped);
  CHECK(c.resets[0].second == 17);
  CHECK(c.sources == std::vector<std::uint8_t>{3});
  CHECK(c.order[0] == 'r');
  CHECK(c.order[1] == 's');
  CHECK(c.order[2 + 251] == 'b');
  // Compact: a typical level event is far below the ring's 64 bytes.
  EventsEncoder small;
  small.begin(1, 1);
  shm::Event lv;
  lv.type = shm::EventType::level;
  lv.px_exp = -2;
  lv.qty_exp = -8;
  lv.ts_recv_ns = 1'700'000'000'000'000'000;
  lv.px = 5674915;
  lv.qty = 103895025;
  small.event(lv);
  const std::size_t one = small.size();
  lv.ts_recv_ns += 40'000;
  lv.px += 15;
  lv.qty = 2'000'000;
  small.event(lv);
  CHECK(small.size() - one <= 16);
}

TEST_CASE("an events message without event records covers an empty range", "[nats]") {
  EventsEncoder enc;
  enc.begin(7, 500);
  enc.source(0);
  const std::string msg(enc.finish());
  EventsHeader h;
  REQUIRE(decode_events_header(msg, h));
  CHECK(h.first_seq == 500);
  CHECK(h.last_seq == 499);
  Collected c;
  BookRecord scratch;
  CHECK(decode_events(msg, h, c, scratch));
  CHECK(c.events.empty());
}

TEST_CASE("every truncation or foreign version of a message is rejected", "[nats]") {
  std::mt19937_64 rng(7);
  EventsEncoder enc;
  enc.begin(9, 1);
  for (int k = 0; k < 20; ++k) enc.event(random_event(rng));
  enc.book(sample_book(false));
  const std::string msg(enc.finish());
  for (std::size_t n = 0; n < msg.size(); ++n) {
    Collected c;
    EventsHeader h;
    BookRecord scratch;
    INFO("length " << n);
    CHECK_FALSE(decode_events(msg.substr(0, n), h, c, scratch));
  }
  std::string other = msg;
  other[0] = 2;
  Collected c;
  EventsHeader h;
  BookRecord scratch;
  CHECK_FALSE(decode_events(other, h, c, scratch));

  SnapshotHeader sh{5, 6, 7};
  const std::string snap = encode_snapshot(sh, sample_book(true));
  SnapshotHeader got;
  BookRecord b;
  REQUIRE(decode_snapshot(snap, got, b));
  CHECK(got.generation == 5);
  CHECK(got.position == 6);
  CHECK(got.js_hint == 7);
  CHECK(same(b, sample_book(true)));
  for (std::size_t n = 0; n < snap.size(); ++n)
    CHECK_FALSE(decode_snapshot(snap.substr(0, n), got, b));
}

TEST_CASE("venue and instance layouts round-trip", "[nats]") {
  VenueInfo v{0x1234, 50, 65536, {"SPOT_BTC_USDT", "PERP_ETH_USDT", ""}};
  VenueInfo got;
  REQUIRE(decode_venue_info(encode_venue_info(v), got));
  CHECK(got.generation == v.generation);
  CHECK(got.depth == 50);
  CHECK(got.ring_capacity == 65536);
  CHECK(got.symbols == v.symbols);
  std::vector<std::string> names;
  REQUIRE(decode_instance_info(encode_instance_info({"woo", "pulse"}), names));
  CHECK(names == std::vector<std::string>{"woo", "pulse"});
  MessageKind k{};
  REQUIRE(peek_kind(encode_venue_info(v), k));
  CHECK(k == MessageKind::venue_info);
}

TEST_CASE("applying a top-of-book difference reproduces the new top exactly", "[nats]") {
  std::mt19937_64 rng(1234);
  std::vector<shm::Level> changes, scratch;
  for (int round = 0; round < 3000; ++round) {
    const bool ask = round % 2 == 1;
    // Random sides as maps (price -> qty), written best first.
    const auto random_side = [&] {
      std::map<std::int64_t, std::int64_t> m;
      const int n = static_cast<int>(rng() % 12);
      for (int k = 0; k < n; ++k) m[static_cast<std::int64_t>(rng() % 30)] = 1 + rng() % 4;
      std::vector<shm::Level> out;
      for (const auto& [px, qty] : m) out.push_back({px, static_cast<std::int64_t>(qty)});
      if (!ask) std::reverse(out.begin(), out.end());
      return out;
    };
    const std::vector<shm::Level> before = random_side();
    const std::vector<shm::Level> after = random_side();
    diff_side(before, after, ask, changes);
    std::vector<shm::Level> side = before;
    apply_side(side, changes, ask, scratch);
    REQUIRE(side.size() == after.size());
    for (std::size_t k = 0; k < side.size(); ++k) {
      REQUIRE(side[k].px == after[k].px);
      REQUIRE(side[k].qty == after[k].qty);
    }
    // Minimal: nothing that did not change is sent.
    for (const auto& c : changes) {
      const auto was = std::find_if(before.begin(), before.end(),
                                    [&](const shm::Level& l) { return l.px == c.px; });
      CHECK((was == before.end() || was->qty != c.qty));
    }
  }
}
