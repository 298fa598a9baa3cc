// VenueBooks::position (feeds/common/venue_positions.hpp): the venue's texts
// to exact fixed point in the positions section, read back through the shm
// reader; rejections counted, kept for the log and never half published.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include <wirebook/reader.hpp>

#include "book/decimal.hpp"
#include "feeds/common/venue_books.hpp"
#include "shm/writer.hpp"
#include "tests/common/alloc_counter.hpp"
#include "tests/shm/test_util.hpp"

using wirebook::test::g_allocs;
using wirebook::test::g_counting;

using namespace wirebook;
using feeds::PositionResult;
using feeds::PositionText;
using shm::PositionField;
namespace t = wirebook::shm::test;

namespace {

constexpr const char* kLong = "BTC-USD-SWAP-LIN";  // longer than any small-string buffer

struct Venue {
  explicit Venue(std::uint32_t position_capacity = 8) {
    shm::SegmentOptions o;
    o.dir = dir.path();
    shm::VenueConfig c;
    c.name = "oxfun";
    c.symbols = {"ETH-USD-SWAP-LIN"};  // positions need not be in subscribed markets
    c.ring_capacity = 64;
    c.position_capacity = position_capacity;
    REQUIRE(shm::VenueWriter::create(o, c, writer).ok());
    writer->set_state(shm::SegmentState::live);
    books = std::make_unique<feeds::VenueBooks>(
        std::vector<feeds::InstrumentSpec>{{"ETH-USD-SWAP-LIN", -2, -2}}, 16, 16, writer.get());
    REQUIRE(shm::VenueReader::open(dir.path(), "oxfun", reader) == shm::OpenError::ok);
  }
  [[nodiscard]] shm::Position read(const char* instrument) const {
    shm::Position p;
    const std::uint32_t slot = reader.find_position(instrument);
    REQUIRE(slot < reader.position_capacity());
    REQUIRE(reader.read_position(slot, p) == shm::ReadResult::ok);
    return p;
  }
  [[nodiscard]] std::uint64_t malformed() { return books->counters().malformed.load(); }

  t::TempDir dir{"pos"};
  std::unique_ptr<shm::VenueWriter> writer;
  std::unique_ptr<feeds::VenueBooks> books;
  shm::VenueReader reader;
};

std::string text(const shm::Position& p, PositionField f) {
  if (!p.has(f)) return "unknown";
  char buf[book::kMaxDecimalText];
  const std::size_t n = book::format_decimal(p.raw(f), p.exponent(f), buf, sizeof buf);
  return std::string(buf, n);
}

}  // namespace

TEST_CASE("a position's decimal texts are published exactly, each at its own exponent",
          "[feeds][positions]") {
  Venue v;
  const PositionText in{"-123456789012.345678", "43210.50", "-12.25", "3E4", "2160.525", "10"};
  REQUIRE(v.books->position(kLong, in, 1'700'000'000'000'000'000, 1'700'000'000'000'500'000) ==
          PositionResult::ok);
  const shm::Position p = v.read(kLong);
  // 18 significant digits: a double would have rounded them.
  CHECK(p.raw(PositionField::quantity) == -123456789012345678);
  CHECK(p.exponent(PositionField::quantity) == -6);
  CHECK(text(p, PositionField::entry_price) == "43210.5");
  CHECK(text(p, PositionField::pnl) == "-12.25");
  CHECK(text(p, PositionField::liquidation_price) == "30000");
  CHECK(text(p, PositionField::margin) == "2160.525");
  CHECK(text(p, PositionField::leverage) == "10");
  CHECK(p.ts_exchange_ns == 1'700'000'000'000'000'000);
  CHECK(p.ts_recv_ns == 1'700'000'000'000'500'000);
  CHECK(p.ts_publish_ns > 0);
  CHECK(v.books->positions().slot(kLong) == 0);
  CHECK(v.malformed() == 0);
}

TEST_CASE("an empty text publishes that field as unknown, never as zero", "[feeds][positions]") {
  Venue v;
  PositionText in;
  in.quantity = "0";
  in.margin = "1.5";
  REQUIRE(v.books->position("SOL-USD-SWAP-LIN", in, 1, 2) == PositionResult::ok);
  const shm::Position p = v.read("SOL-USD-SWAP-LIN");
  CHECK(text(p, PositionField::quantity) == "0");
  CHECK(text(p, PositionField::margin) == "1.5");
  CHECK(text(p, PositionField::entry_price) == "unknown");
  CHECK(text(p, PositionField::pnl) == "unknown");
  CHECK(text(p, PositionField::liquidation_price) == "unknown");
  CHECK(text(p, PositionField::leverage) == "unknown");
}

TEST_CASE("a malformed number is counted and logged, and publishes nothing of the position",
          "[feeds][positions]") {
  Venue v;
  REQUIRE(v.books->position(kLong, PositionText{"1", "100", "5", "", "", ""}, 1, 2) ==
          PositionResult::ok);
  const std::uint64_t head = v.reader.ring_head();

  SECTION("a known instrument keeps its last good position") {
    CHECK(v.books->position(kLong, PositionText{"2", "101", "12.x", "", "", ""}, 3, 4) ==
          PositionResult::bad_number);
    const shm::Position p = v.read(kLong);
    CHECK(p.update_count == 1);
    CHECK(text(p, PositionField::quantity) ==
          "1");  // the good quantity of the bad one is not there
    CHECK(text(p, PositionField::entry_price) == "100");
    CHECK(p.ts_exchange_ns == 1);
    CHECK(std::string(v.books->positions().last_problem()) ==
          "bad number: 'BTC-USD-SWAP-LIN' in pnl: '12.x'");
  }
  SECTION("a new instrument does not take a slot") {
    CHECK(v.books->position("NEW", PositionText{"1e-30", "", "", "", "", ""}, 3, 4) ==
          PositionResult::bad_number);
    CHECK(v.books->position("NEW", PositionText{"99999999999999999999", "", "", "", "", ""}, 3,
                            4) == PositionResult::bad_number);
    CHECK(v.books->positions().slot("NEW") == -1);
    CHECK(v.reader.position_count() == 1);
  }
  CHECK(v.malformed() >= 1);
  CHECK(v.malformed() == v.books->positions().problems());
  CHECK(v.reader.ring_head() == head);  // no POSITION event either
}

TEST_CASE("a full positions section counts the position and never overwrites another",
          "[feeds][positions]") {
  Venue v(2);
  REQUIRE(v.books->position("A", PositionText{"1", "", "", "", "", ""}, 1, 1) ==
          PositionResult::ok);
  REQUIRE(v.books->position("B", PositionText{"2", "", "", "", "", ""}, 1, 1) ==
          PositionResult::ok);
  CHECK(v.books->position("C", PositionText{"3", "", "", "", "", ""}, 1, 1) ==
        PositionResult::section_full);
  CHECK(v.books->counters().positions_full.load() == 1);
  CHECK(v.malformed() == 0);
  CHECK(std::string(v.books->positions().last_problem()) == "positions section full: 'C'");
  CHECK(v.reader.position_count() == 2);
  CHECK(text(v.read("A"), PositionField::quantity) == "1");
  CHECK(text(v.read("B"), PositionField::quantity) == "2");
  CHECK(v.reader.find_position("C") == 2);
  // Instruments that have a slot still update.
  CHECK(v.books->position("A", PositionText{"-4", "", "", "", "", ""}, 2, 2) == PositionResult::ok);
  CHECK(text(v.read("A"), PositionField::quantity) == "-4");
}

TEST_CASE("an empty or too long instrument name is refused as malformed", "[feeds][positions]") {
  Venue v;
  CHECK(v.books->position("", PositionText{"1", "", "", "", "", ""}, 1, 1) ==
        PositionResult::bad_instrument);
  CHECK(v.books->position(std::string(48, 'X'), PositionText{"1", "", "", "", "", ""}, 1, 1) ==
        PositionResult::bad_instrument);
  CHECK(v.malformed() == 2);
  CHECK(v.reader.position_count() == 0);
  // 47 bytes is the longest name the segment holds.
  CHECK(v.books->position(std::string(47, 'X'), PositionText{"1", "", "", "", "", ""}, 1, 1) ==
        PositionResult::ok);
  CHECK(v.read(std::string(47, 'X').c_str()).has(PositionField::quantity));
}

TEST_CASE("updates of an instrument that has its slot allocate nothing", "[feeds][positions]") {
  Venue v;
  REQUIRE(v.books->position(kLong, PositionText{"1", "2", "", "", "", ""}, 1, 1) ==
          PositionResult::ok);
  REQUIRE(wirebook::test::alloc_counter_works());
  g_counting = true;
  int bad = 0;
  for (int k = 0; k < 1000; ++k) {
    const PositionText in{k % 2 == 0 ? "1.25" : "-0.5", "43210.5", "-3", "1e4", "7", "20"};
    bad += v.books->position(kLong, in, k, k) == PositionResult::ok ? 0 : 1;
  }
  g_counting = false;
  CHECK(g_allocs.load() == 0);
  CHECK(bad == 0);
  CHECK(v.read(kLong).update_count == 1001);
}

TEST_CASE("without a writer positions are tracked but not published", "[feeds][positions]") {
  feeds::VenueBooks books({{"X", -2, -2}}, 4, 4, nullptr);
  CHECK(books.positions().capacity() == shm::kDefaultPositionCapacity);
  CHECK(books.position("X", PositionText{"1", "", "", "", "", ""}, 1, 1) == PositionResult::ok);
  CHECK(books.positions().slot("X") == 0);
}
