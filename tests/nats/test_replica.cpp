// The shm writer's replica publication of a position (what the mirror uses):
// the slot reads as its source's, update count included, and the POSITION
// event is either the writer's own (announce) or left to the caller, who
// appends its source's.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>

#include <wirebook/reader.hpp>

#include "shm/writer.hpp"
#include "tests/common/process.hpp"

namespace shm = wirebook::shm;
using wirebook::testproc::TempDir;

namespace {

std::unique_ptr<shm::VenueWriter> make_writer(const std::string& dir) {
  shm::SegmentOptions o;
  o.dir = dir;
  shm::VenueConfig c;
  c.name = "v";
  c.symbols = {"BTC"};
  c.depth = 2;
  c.ring_capacity = 16;
  c.position_capacity = 2;
  std::unique_ptr<shm::VenueWriter> w;
  REQUIRE(shm::VenueWriter::create(o, c, w).ok());
  w->set_state(shm::SegmentState::live);
  return w;
}

shm::Position version(std::int64_t qty) {
  shm::Position p;
  std::strcpy(p.instrument, "BTC-PERP");
  p.known = shm::Position::bit(shm::PositionField::quantity) |
            shm::Position::bit(shm::PositionField::margin);
  p.value[0] = qty;
  p.exp[0] = -3;
  p.value[4] = 12;
  p.exp[4] = 1;
  p.ts_exchange_ns = 1000 + qty;
  p.ts_recv_ns = 2000 + qty;
  p.ts_publish_ns = 3000 + qty;
  return p;
}

shm::Position read(const std::string& dir, std::uint32_t slot) {
  shm::VenueReader r;
  REQUIRE(shm::VenueReader::open(dir, "v", r) == shm::OpenError::ok);
  shm::Position p;
  REQUIRE(r.read_position(slot, p) == shm::ReadResult::ok);
  return p;
}

// The last event of the ring at `dir`.
shm::Event last_event(const std::string& dir, std::uint64_t head) {
  shm::VenueReader r;
  REQUIRE(shm::VenueReader::open(dir, "v", r) == shm::OpenError::ok);
  shm::RingCursor c = r.cursor_from(head);
  shm::Event ev;
  std::uint64_t lost = 0;
  REQUIRE(r.poll(c, ev, lost) == shm::PollResult::event);
  return ev;
}

void same_event(const shm::Event& a, const shm::Event& b) {
  CHECK(a.type == b.type);
  CHECK(a.instrument == b.instrument);
  CHECK(a.qty == b.qty);
  CHECK(a.qty_exp == b.qty_exp);
  CHECK(a.px == b.px);
  CHECK(a.aux0 == b.aux0);
  CHECK(a.aux1 == b.aux1);
  CHECK(a.ts_exchange_ns == b.ts_exchange_ns);
  CHECK(a.ts_recv_ns == b.ts_recv_ns);
}

}  // namespace

TEST_CASE("a replica position slot reads as its source's, with or without its own event",
          "[nats]") {
  TempDir tmp;
  const std::string src = tmp.file("src");
  const std::string rep = tmp.file("rep");
  auto source = make_writer(src);
  auto replica = make_writer(rep);
  for (std::int64_t q = 1; q <= 3; ++q)
    REQUIRE(source->publish_position(0, version(q)) == shm::PublishResult::ok);
  const shm::Position third = read(src, 0);
  REQUIRE(third.update_count == 3);

  // Without announce: no event, the copy reflects the ring so far, and the
  // caller appends the source's event.
  REQUIRE(replica->publish_position_replica(0, third, false) == shm::PublishResult::ok);
  CHECK(replica->ring_head() == 0);
  shm::Position got = read(rep, 0);
  CHECK(got.update_count == 3);
  CHECK(got.ring_seq == 0);
  CHECK(std::strcmp(got.instrument, "BTC-PERP") == 0);
  CHECK(got.known == third.known);
  CHECK(got.value[0] == 3);
  CHECK(got.exp[0] == -3);
  CHECK(got.value[4] == 12);
  CHECK(got.ts_publish_ns == third.ts_publish_ns);
  (void)replica->append(last_event(src, source->ring_head()));

  // With announce: the writer appends the POSITION event the source did,
  // carrying the source's update count, and the copy names it.
  REQUIRE(source->publish_position(0, version(4)) == shm::PublishResult::ok);
  const shm::Position fourth = read(src, 0);
  REQUIRE(replica->publish_position_replica(0, fourth, true) == shm::PublishResult::ok);
  CHECK(replica->ring_head() == 2);
  got = read(rep, 0);
  CHECK(got.update_count == 4);
  CHECK(got.ring_seq == 2);
  same_event(last_event(rep, 2), last_event(src, source->ring_head()));

  CHECK(replica->publish_position_replica(2, fourth, true) == shm::PublishResult::bad_instrument);
  CHECK(replica->publish_position_replica(1, shm::Position{}, false) ==
        shm::PublishResult::bad_instrument);
}
