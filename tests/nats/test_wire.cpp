// The bridge's wire encoding: exact round trips, rejection of damaged
// messages, and price-keyed top-of-book differences against a reference.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
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
  std::vector<PositionRecord> positions;
  std::vector<ReferenceRecord> references;
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
  void on_position(const PositionRecord& p) override {
    positions.push_back(p);
    order.push_back('p');
  }
  void on_reference(const ReferenceRecord& r) override {
    references.push_back(r);
    order.push_back('f');
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
  // Every event type, level (1) through reference (11).
  e.type =
      static_cast<shm::EventType>(1 + rng() % static_cast<unsigned>(shm::EventType::reference));
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

shm::Position sample_position(const char* name) {
  shm::Position p;
  std::snprintf(p.instrument, sizeof p.instrument, "%s", name);
  p.known = 0x2D;  // quantity, pnl, liquidation price, leverage
  for (std::size_t f = 0; f < shm::kPositionFields; ++f) {
    p.exp[f] = static_cast<std::int8_t>(-static_cast<int>(f) - 1);
    p.value[f] = (f % 2 == 0 ? -1 : 1) * static_cast<std::int64_t>(f * 1'000'000'007);
  }
  p.value[0] = std::numeric_limits<std::int64_t>::min();
  p.value[5] = std::numeric_limits<std::int64_t>::max();
  p.ts_exchange_ns = 1'700'000'000'000'000'000;
  p.ts_recv_ns = 1'700'000'000'000'000'500;
  p.ts_publish_ns = -1;
  p.update_count = 12345;
  p.ring_seq = 678;
  return p;
}

shm::Reference sample_reference() {
  shm::Reference r;
  std::snprintf(r.instrument, sizeof r.instrument, "%s", "PERP_BTC_USDT");
  r.set(shm::ReferenceField::mark_price, 870815, -1);
  r.set(shm::ReferenceField::index_price, std::numeric_limits<std::int64_t>::max(), -18);
  r.set(shm::ReferenceField::funding_rate, -4326, -8);
  r.set(shm::ReferenceField::next_funding_time, 1'790'150'400'000'000'000, 0);
  r.ts_exchange_ns = 1'790'137'719'004'000'000;
  r.ts_recv_ns = 1'790'137'719'016'000'000;
  r.update_count = 77;
  r.ring_seq = 4321;
  return r;
}

template <class Field>
bool same(const shm::FieldValues<Field>& a, const shm::FieldValues<Field>& b) {
  return std::string_view(a.instrument) == std::string_view(b.instrument) && a.known == b.known &&
         std::equal(std::begin(a.exp), std::end(a.exp), std::begin(b.exp)) &&
         std::equal(std::begin(a.value), std::end(a.value), std::begin(b.value)) &&
         a.ts_exchange_ns == b.ts_exchange_ns && a.ts_recv_ns == b.ts_recv_ns &&
         a.ts_publish_ns == b.ts_publish_ns && a.update_count == b.update_count &&
         a.ring_seq == b.ring_seq;
}

// A POSITION event of slot `slot` at sequence `seq`.
shm::Event position_event(std::uint32_t slot, std::uint64_t seq) {
  shm::Event e;
  e.type = shm::EventType::position;
  e.instrument = slot;
  e.seq = seq;
  e.qty = 5;
  e.aux0 = 12345;
  return e;
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
  other[0] = static_cast<char>(kWireVersion - 1);
  Collected c;
  EventsHeader h;
  BookRecord scratch;
  CHECK_FALSE(decode_events(other, h, c, scratch));

  SnapshotHeader sh{5, 6, 7};
  const std::string snap = encode_snapshot(sh, sample_book(true));
  SnapshotHeader got;
  BookRecord b;
  shm::Reference ref;
  REQUIRE(decode_snapshot(snap, got, b, ref));
  CHECK(got.generation == 5);
  CHECK(got.position == 6);
  CHECK(got.js_hint == 7);
  CHECK(same(b, sample_book(true)));
  CHECK(ref.update_count == 0);  // the book had no reference data
  for (std::size_t n = 0; n < snap.size(); ++n)
    CHECK_FALSE(decode_snapshot(snap.substr(0, n), got, b, ref));

  // With the book's reference slot: every field and the counts round-trip.
  const std::string with_ref = encode_snapshot(sh, sample_book(true), sample_reference());
  REQUIRE(decode_snapshot(with_ref, got, b, ref));
  CHECK(same(ref, sample_reference()));
  for (std::size_t n = 0; n < with_ref.size(); ++n)
    CHECK_FALSE(decode_snapshot(with_ref.substr(0, n), got, b, ref));
}

TEST_CASE("venue and instance layouts round-trip", "[nats]") {
  VenueInfo v{0x1234, 50, 65536, 4096, {"SPOT_BTC_USDT", "PERP_ETH_USDT", ""}};
  VenueInfo got;
  REQUIRE(decode_venue_info(encode_venue_info(v), got));
  CHECK(got.generation == v.generation);
  CHECK(got.depth == 50);
  CHECK(got.ring_capacity == 65536);
  CHECK(got.position_capacity == 4096);
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

TEST_CASE("position records round-trip in an events message, each before its POSITION event",
          "[nats]") {
  EventsEncoder enc;
  enc.begin(3, 40);
  // A slot's content sent just before its event, then a sync record alone.
  enc.position(PositionRecord{7, true, sample_position("BTC-USD-SWAP-LIN")});
  enc.event(position_event(7, 40));
  enc.position(PositionRecord{0, false, sample_position(std::string(47, 'x').c_str())});
  const std::string msg(enc.finish());
  Collected c;
  EventsHeader h;
  BookRecord scratch;
  REQUIRE(decode_events(msg, h, c, scratch));
  CHECK(c.order == std::vector<char>{'p', 'e', 'p'});
  REQUIRE(c.positions.size() == 2);
  CHECK(c.positions[0].slot == 7);
  CHECK(c.positions[0].with_event);
  CHECK(same(c.positions[0].position, sample_position("BTC-USD-SWAP-LIN")));
  CHECK(c.positions[1].slot == 0);
  CHECK_FALSE(c.positions[1].with_event);
  CHECK(std::string_view(c.positions[1].position.instrument) == std::string(47, 'x'));
  REQUIRE(c.events.size() == 1);
  CHECK(same(c.events[0], position_event(7, 40)));
  for (std::size_t n = 0; n < msg.size(); ++n) {
    Collected cut;
    INFO("length " << n);
    CHECK_FALSE(decode_events(msg.substr(0, n), h, cut, scratch));
  }
}

TEST_CASE(
    "reference records round-trip, each before its REFERENCE event; a missing event is "
    "rejected",
    "[nats]") {
  shm::Event ev = position_event(3, 40);
  ev.type = shm::EventType::reference;
  EventsEncoder enc;
  enc.begin(3, 40);
  enc.reference(ReferenceRecord{3, true, sample_reference()});
  enc.event(ev);
  enc.reference(ReferenceRecord{0, false, sample_reference()});
  const std::string msg(enc.finish());
  Collected c;
  EventsHeader h;
  BookRecord scratch;
  REQUIRE(decode_events(msg, h, c, scratch));
  CHECK(c.order == std::vector<char>{'f', 'e', 'f'});
  REQUIRE(c.references.size() == 2);
  CHECK(c.references[0].instrument == 3);
  CHECK(c.references[0].with_event);
  CHECK(same(c.references[0].reference, sample_reference()));
  CHECK_FALSE(c.references[1].with_event);
  REQUIRE(c.events.size() == 1);
  CHECK(same(c.events[0], ev));
  for (std::size_t n = 0; n < msg.size(); ++n) {
    Collected cut;
    CHECK_FALSE(decode_events(msg.substr(0, n), h, cut, scratch));
  }
  // Announced but followed by nothing, or by the event of another book.
  EventsEncoder bad;
  bad.begin(3, 40);
  bad.reference(ReferenceRecord{3, true, sample_reference()});
  shm::Event other = ev;
  other.instrument = 4;
  bad.event(other);
  Collected cb;
  CHECK_FALSE(decode_events(std::string(bad.finish()), h, cb, scratch));
}

TEST_CASE("a position record announcing its event without that event next is rejected", "[nats]") {
  const auto decodes = [](const std::function<void(EventsEncoder&)>& body) {
    EventsEncoder enc;
    enc.begin(3, 40);
    body(enc);
    Collected c;
    EventsHeader h;
    BookRecord scratch;
    return decode_events(std::string(enc.finish()), h, c, scratch);
  };
  const PositionRecord announced{7, true, sample_position("A")};
  CHECK(decodes([&](EventsEncoder& e) {
    e.position(announced);
    e.event(position_event(7, 40));
  }));
  // Nothing after it, an event of another slot, another record type.
  CHECK_FALSE(decodes([&](EventsEncoder& e) { e.position(announced); }));
  CHECK_FALSE(decodes([&](EventsEncoder& e) {
    e.position(announced);
    e.event(position_event(8, 40));
  }));
  CHECK_FALSE(decodes([&](EventsEncoder& e) {
    e.position(announced);
    e.source(0);
    e.event(position_event(7, 40));
  }));
  shm::Event level = position_event(7, 40);
  level.type = shm::EventType::level;
  CHECK_FALSE(decodes([&](EventsEncoder& e) {
    e.position(announced);
    e.event(level);
  }));
}

TEST_CASE(
    "a positions snapshot round-trips; truncated, foreign-version or nameless ones are "
    "rejected with a reason",
    "[nats]") {
  PositionsSnapshot snap;
  snap.header = {0xFEEDFACECAFEBEEFULL, 1'000'001, 77};
  snap.slots = {sample_position("A-BTC-PERP"), sample_position("B"), sample_position("C-ETH")};
  snap.slots[1].known = 0;
  snap.slots[2].update_count = 1;
  const std::string msg = encode_positions(snap);
  MessageKind k{};
  REQUIRE(peek_kind(msg, k));
  CHECK(k == MessageKind::positions);
  PositionsSnapshot got;
  REQUIRE(decode_positions(msg, got));
  CHECK(got.header.generation == snap.header.generation);
  CHECK(got.header.position == 1'000'001);
  CHECK(got.header.js_hint == 77);
  REQUIRE(got.slots.size() == 3);
  for (std::size_t k2 = 0; k2 < 3; ++k2) CHECK(same(got.slots[k2], snap.slots[k2]));
  // No positions at all is a valid snapshot too.
  PositionsSnapshot none;
  REQUIRE(decode_positions(encode_positions(none), got));
  CHECK(got.slots.empty());

  for (std::size_t n = 0; n < msg.size(); ++n) {
    INFO("length " << n);
    CHECK_FALSE(decode_positions(msg.substr(0, n), got));
  }
  CHECK(describe_rejection(msg.substr(0, msg.size() - 1)).find("truncated") == 0);
  CHECK(describe_rejection(msg.substr(0, 1)).find("shorter") == 0);
  std::string foreign = msg;
  foreign[0] = static_cast<char>(kWireVersion - 1);
  CHECK_FALSE(decode_positions(foreign, got));
  CHECK(describe_rejection(foreign) == "wire version " + std::to_string(kWireVersion - 1) +
                                           ", expected " + std::to_string(kWireVersion));
  std::string unknown_kind = msg;
  unknown_kind[1] = 9;
  CHECK(describe_rejection(unknown_kind) == "unknown message kind 9");
  // Another kind under the positions decoder, a trailing byte, no name.
  CHECK_FALSE(decode_positions(encode_venue_info(VenueInfo{}), got));
  CHECK_FALSE(decode_positions(msg + "x", got));
  snap.slots[1].instrument[0] = '\0';
  CHECK_FALSE(decode_positions(encode_positions(snap), got));
}
