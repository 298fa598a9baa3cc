// VenueBooks::reference (feeds/common/venue_reference.hpp): the venue's texts
// to exact fixed point in the book's reference slot, read back through the
// shm reader; partial updates keep the other fields; bad numbers are
// rejected whole, counted and noticed; no allocation per update.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include <wirebook/reader.hpp>

#include "book/decimal.hpp"
#include "feeds/common/venue_books.hpp"
#include "shm/writer.hpp"
#include "tests/common/alloc_counter_state.hpp"  // operators: test_venue_positions.cpp
#include "tests/shm/test_util.hpp"

using wirebook::test::g_allocs;
using wirebook::test::g_counting;

using namespace wirebook;
using feeds::ReferenceResult;
using feeds::ReferenceText;
using shm::ReferenceField;
namespace t = wirebook::shm::test;

namespace {

struct Venue {
  Venue() {
    shm::SegmentOptions o;
    o.dir = dir.path();
    shm::VenueConfig c;
    c.name = "woo";
    c.symbols = {"PERP_BTC_USDT", "PERP_ETH_USDT"};
    c.ring_capacity = 64;
    REQUIRE(shm::VenueWriter::create(o, c, writer).ok());
    writer->set_state(shm::SegmentState::live);
    books = std::make_unique<feeds::VenueBooks>(
        std::vector<feeds::InstrumentSpec>{{"PERP_BTC_USDT", -2, -4}, {"PERP_ETH_USDT", -2, -4}},
        16, 16, writer.get());
    REQUIRE(shm::VenueReader::open(dir.path(), "woo", reader) == shm::OpenError::ok);
  }
  [[nodiscard]] shm::Reference read(std::uint32_t i) const {
    shm::Reference r;
    REQUIRE(reader.read_reference(i, r) == shm::ReadResult::ok);
    return r;
  }

  t::TempDir dir{"ref"};
  std::unique_ptr<shm::VenueWriter> writer;
  std::unique_ptr<feeds::VenueBooks> books;
  shm::VenueReader reader;
};

std::string text(const shm::Reference& r, ReferenceField f) {
  if (!r.has(f)) return "unknown";
  char buf[book::kMaxDecimalText];
  const std::size_t n = book::format_decimal(r.raw(f), r.exponent(f), buf, sizeof buf);
  return std::string(buf, n);
}

ReferenceText mark(std::string_view px) {
  ReferenceText t;
  t.mark_price = px;
  return t;
}

}  // namespace

TEST_CASE("reference fields are published exactly, each at its own exponent, with an event",
          "[feeds][reference]") {
  Venue v;
  ReferenceText in;
  in.mark_price = "87081.123456789012";  // 17 significant digits: a double would round them
  in.index_price = "87127";
  in.funding_rate = "-0.00004326";
  in.open_interest = "936.37";
  in.next_funding_ns = 1'790'150'400'000'000'000;
  REQUIRE(v.books->reference(1, in, 1'790'137'719'004'000'000, 1'790'137'719'016'000'000) ==
          ReferenceResult::ok);
  const shm::Reference r = v.read(1);
  CHECK(r.raw(ReferenceField::mark_price) == 87081123456789012);
  CHECK(r.exponent(ReferenceField::mark_price) == -12);
  CHECK(text(r, ReferenceField::index_price) == "87127");
  CHECK(text(r, ReferenceField::funding_rate) == "-0.00004326");
  CHECK(text(r, ReferenceField::open_interest) == "936.37");
  CHECK(r.raw(ReferenceField::next_funding_time) == 1'790'150'400'000'000'000);
  CHECK(r.exponent(ReferenceField::next_funding_time) == 0);
  CHECK(std::string(r.instrument) == "PERP_ETH_USDT");  // the book's symbol
  CHECK(r.ts_exchange_ns == 1'790'137'719'004'000'000);
  CHECK(r.ts_recv_ns == 1'790'137'719'016'000'000);
  CHECK(r.update_count == 1);
  CHECK(v.books->counters().references.load() == 1);
  CHECK(v.reader.read_reference(0, *std::make_unique<shm::Reference>()) == shm::ReadResult::empty);

  shm::RingCursor c = v.reader.cursor_from(1);
  shm::Event ev;
  std::uint64_t lost = 0;
  REQUIRE(v.reader.poll(c, ev, lost) == shm::PollResult::event);
  CHECK(ev.type == shm::EventType::reference);
  CHECK(ev.instrument == 1);
  CHECK(ev.px == 87081123456789012);  // the mark
  CHECK(ev.px_exp == -12);
  CHECK(ev.qty == 87127);  // the index
  CHECK(ev.aux0 == 1);
  CHECK(ev.aux1 == r.known);
  CHECK(r.ring_seq == ev.seq);
}

TEST_CASE("an update keeps the fields it does not carry; a percent rate is scaled exactly",
          "[feeds][reference]") {
  Venue v;
  REQUIRE(v.books->reference(0, mark("50000.5"), 1, 2) == ReferenceResult::ok);
  ReferenceText funding;
  funding.funding_rate = "0.0125";  // percent
  funding.funding_rate_exp_shift = -2;
  REQUIRE(v.books->reference(0, funding, 3, 4) == ReferenceResult::ok);
  shm::Reference r = v.read(0);
  CHECK(text(r, ReferenceField::mark_price) == "50000.5");
  CHECK(text(r, ReferenceField::funding_rate) == "0.000125");
  CHECK(text(r, ReferenceField::index_price) == "unknown");
  CHECK(r.update_count == 2);
  CHECK(r.ts_exchange_ns == 3);

  REQUIRE(v.books->reference(0, mark("49999"), 5, 6) == ReferenceResult::ok);
  r = v.read(0);
  CHECK(text(r, ReferenceField::mark_price) == "49999");
  CHECK(text(r, ReferenceField::funding_rate) == "0.000125");
  CHECK(r.update_count == 3);
  CHECK(v.reader.read_reference(1, r) == shm::ReadResult::empty);  // the other book untouched
}

TEST_CASE("a bad number rejects the whole update: counted, noticed, nothing published",
          "[feeds][reference]") {
  Venue v;
  REQUIRE(v.books->reference(0, mark("100"), 1, 2) == ReferenceResult::ok);
  const std::uint64_t head = v.reader.ring_head();
  for (const char* bad : {"", "abc", "1e-300", "99999999999999999999", "1.2.3", "-"}) {
    CAPTURE(bad);
    ReferenceText in;
    in.mark_price = "101";  // good, but not published with the bad field
    in.open_interest = bad;
    const ReferenceResult res = v.books->reference(0, in, 3, 4);
    if (std::string_view(bad).empty()) {
      CHECK(res == ReferenceResult::ok);  // empty = not carried
      continue;
    }
    CHECK(res == ReferenceResult::bad_number);
  }
  const shm::Reference r = v.read(0);
  CHECK(r.update_count == 2);  // the first and the "" one
  CHECK(text(r, ReferenceField::mark_price) == "101");
  CHECK(text(r, ReferenceField::open_interest) == "unknown");
  CHECK(v.books->counters().malformed.load() == 5);
  CHECK(std::string(v.books->last_notice()) ==
        "reference rejected: PERP_BTC_USDT open_interest is not an exact decimal");
  CHECK(v.reader.ring_head() == head + 1);
  CHECK(v.books->reference(0, ReferenceText{}, 5, 6) == ReferenceResult::empty);
  CHECK(v.books->reference(2, mark("1"), 5, 6) == ReferenceResult::bad_instrument);
}

TEST_CASE("reference updates allocate nothing", "[feeds][reference][alloc]") {
  Venue v;
  REQUIRE(v.books->reference(0, mark("1"), 1, 2) == ReferenceResult::ok);
  ReferenceText in;
  in.mark_price = "87081.5";
  in.funding_rate = "0.0001";
  in.next_funding_ns = 1;
  REQUIRE(wirebook::test::alloc_counter_works());
  g_counting = true;
  for (int k = 0; k < 1000; ++k)
    (void)v.books->reference(static_cast<std::uint32_t>(k % 2), in, k, k);
  g_counting = false;
  CHECK(g_allocs.load() == 0);
}
