// Reference slots (DESIGN §9a): one per book instrument, written by
// VenueWriter::publish_reference(_replica) and read by VenueReader and the C
// ABI; REFERENCE events announce them.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include <wirebook/reader.h>
#include <wirebook/reader.hpp>

#include "shm/writer.hpp"
#include "tests/shm/test_util.hpp"

using namespace wirebook::shm;
namespace t = wirebook::shm::test;
using RF = ReferenceField;

namespace {

std::unique_ptr<VenueWriter> make_writer(const t::TempDir& dir) {
  VenueConfig cfg;
  cfg.name = "woo";
  cfg.symbols = {"PERP_BTC_USDT", "PERP_ETH_USDT"};
  cfg.depth = 4;
  cfg.ring_capacity = 16;
  std::unique_ptr<VenueWriter> w;
  SegmentOptions o;
  o.dir = dir.path();
  REQUIRE(VenueWriter::create(o, cfg, w).ok());
  w->set_state(SegmentState::live);
  w->heartbeat(t::mono_ns());
  return w;
}

Reference full_reference() {
  Reference r;
  r.set(RF::mark_price, 870815, -1);
  r.set(RF::index_price, 87127, 0);
  r.set(RF::funding_rate, -4326, -8);
  r.set(RF::next_funding_time, 1'790'150'400'000'000'000, 0);
  r.set(RF::open_interest, 93637, -2);
  r.ts_exchange_ns = 1'790'137'719'004'000'000;
  r.ts_recv_ns = 1'790'137'719'016'000'000;
  r.ts_publish_ns = 1'790'137'719'016'001'000;
  std::strcpy(r.instrument, "IGNORED");  // the writer names the slot after its book
  return r;
}

}  // namespace

TEST_CASE("the venue segment has one reference slot per instrument in its section table",
          "[shm][reference]") {
  t::TempDir dir;
  auto w = make_writer(dir);
  VenueReader r;
  REQUIRE(VenueReader::open(dir.path(), "woo", r) == OpenError::ok);
  Reference ref;
  CHECK(r.read_reference(0, ref) == ReadResult::empty);
  CHECK(r.read_reference(2, ref) == ReadResult::bad_instrument);
  REQUIRE(w->publish_reference(1, full_reference()) == PublishResult::ok);
  CHECK(w->publish_reference(2, full_reference()) == PublishResult::bad_instrument);
  REQUIRE(r.read_reference(1, ref) == ReadResult::ok);
  CHECK(std::string(ref.instrument) == "PERP_ETH_USDT");
  CHECK(ref.known == 0x1F);
  CHECK(ref.raw(RF::funding_rate) == -4326);
  CHECK(ref.exponent(RF::funding_rate) == -8);
  CHECK(ref.update_count == 1);
  CHECK(ref.ring_seq == r.ring_head());
  CHECK(r.read_reference(0, ref) == ReadResult::empty);
}

TEST_CASE("a replica's reference keeps the source's update count; without announce no event",
          "[shm][reference]") {
  t::TempDir dir;
  auto w = make_writer(dir);
  Reference src = full_reference();
  src.update_count = 41;
  REQUIRE(w->publish_reference_replica(0, src, false) == PublishResult::ok);
  CHECK(w->ring_head() == 0);
  src.update_count = 42;
  REQUIRE(w->publish_reference_replica(0, src, true) == PublishResult::ok);
  CHECK(w->ring_head() == 1);
  VenueReader r;
  REQUIRE(VenueReader::open(dir.path(), "woo", r) == OpenError::ok);
  Reference ref;
  REQUIRE(r.read_reference(0, ref) == ReadResult::ok);
  CHECK(ref.update_count == 42);
  CHECK(ref.ring_seq == 1);
}

TEST_CASE("the C ABI reads the same reference data", "[shm][reference][c]") {
  t::TempDir dir;
  auto w = make_writer(dir);
  Reference partial;
  partial.set(RF::mark_price, 5, 0);
  REQUIRE(w->publish_reference(0, partial) == PublishResult::ok);
  REQUIRE(w->publish_reference(0, full_reference()) == PublishResult::ok);
  wb_venue* v = nullptr;
  REQUIRE(wb_venue_open(dir.path().c_str(), "woo", -1, &v) == WB_OK);
  REQUIRE(wb_venue_refresh(v) == WB_ALIVE);
  wb_reference ref;
  REQUIRE(wb_read_reference(v, 0, &ref) == WB_READ_OK);
  CHECK(std::string(ref.instrument) == "PERP_BTC_USDT");
  CHECK(ref.known == 0x1F);
  CHECK(ref.value[WB_REF_MARK_PRICE] == 870815);
  CHECK(ref.exp[WB_REF_MARK_PRICE] == -1);
  CHECK(ref.value[WB_REF_INDEX_PRICE] == 87127);
  CHECK(ref.value[WB_REF_FUNDING_RATE] == -4326);
  CHECK(ref.value[WB_REF_NEXT_FUNDING_TIME] == 1'790'150'400'000'000'000);
  CHECK(ref.value[WB_REF_OPEN_INTEREST] == 93637);
  CHECK(ref.exp[WB_REF_OPEN_INTEREST] == -2);
  CHECK(ref.ts_exchange_ns == 1'790'137'719'004'000'000);
  CHECK(ref.update_count == 2);
  CHECK(ref.ring_seq == 2);
  CHECK(ref.writer_ok == 1);
  CHECK(wb_read_reference(v, 1, &ref) == WB_READ_EMPTY);
  CHECK(wb_read_reference(v, 2, &ref) == WB_READ_BAD_INSTRUMENT);
  CHECK(std::string(wb_reference_field_name(WB_REF_NEXT_FUNDING_TIME)) == "next_funding_time");
  CHECK(std::string(wb_reference_field_name(WB_REF_FIELDS)) == "unknown");
  wb_cursor c = wb_cursor_from(v, 1);
  wb_event ev;
  uint64_t lost = 0;
  REQUIRE(wb_poll(v, &c, &ev, &lost) == WB_POLL_EVENT);
  CHECK(ev.type == WB_EV_REFERENCE);
  CHECK(ev.instrument == 0);
  CHECK(ev.px == 5);
  CHECK(ev.aux1 == 1);  // known: the mark alone
  wb_venue_close(v);
}
