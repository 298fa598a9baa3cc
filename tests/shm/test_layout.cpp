// Layout pins: an accidental change of any shared struct fails here.
#include <catch2/catch.hpp>
#include <cstddef>

#include <wirebook/reader.h>
#include <wirebook/shm_layout.hpp>

using namespace wirebook::shm;

// The golden value. Changing it is a reader-visible ABI change: bump
// kLayoutMajor (or kLayoutMinor for additive changes), update this line and
// describe the change in the README.
static constexpr std::uint64_t kGoldenAbiHash = 0xD83B326972974652ULL;

static_assert(offsetof(SegmentHeader, generation) == 24);
static_assert(offsetof(SegmentHeader, writer_pid) == 40);
static_assert(offsetof(SegmentHeader, instrument_count) == 96);
static_assert(offsetof(SlotMeta, ring_seq) == 24);
static_assert(offsetof(RingRecord, instrument) == 12);
static_assert(offsetof(RingRecord, px) == 32);
static_assert(sizeof(wb_level) == sizeof(Level));
static_assert(sizeof(wb_event) == sizeof(Event));
static_assert(offsetof(SegmentHeader, position_capacity) == 112);
static_assert(offsetof(SegmentHeader, sections) == kBlock);
static_assert(sizeof(SegmentHeader::sections) == 3 * kBlock);
static_assert(sizeof(wb_reference::value) == kReferenceFields * sizeof(std::int64_t));
static_assert(offsetof(FieldsCopy, known) == 8);
static_assert(offsetof(FieldsCopy, exp) == 10);
static_assert(offsetof(FieldsCopy, ring_seq) == 96);

TEST_CASE("the ABI hash matches the golden value", "[shm][layout]") {
  INFO("kAbiHash = 0x" << std::hex << kAbiHash);
  REQUIRE(kAbiHash == kGoldenAbiHash);
  REQUIRE(kLayoutMajor == WB_LAYOUT_MAJOR);
}

TEST_CASE("hot header words sit on their own 128-byte blocks", "[shm][layout]") {
  STATIC_REQUIRE(offsetof(SegmentHeader, heartbeat_ns) % kBlock == 0);
  STATIC_REQUIRE(offsetof(SegmentHeader, ring_head) % kBlock == 0);
  STATIC_REQUIRE(offsetof(SegmentHeader, ring_head) - offsetof(SegmentHeader, heartbeat_ns) ==
                 kBlock);
}

TEST_CASE("a position's values sit in the first cache line of its copy", "[shm][layout]") {
  STATIC_REQUIRE(offsetof(FieldsCopy, value) + sizeof(FieldsCopy::value) == 64);
  STATIC_REQUIRE(kPositionSlotStride == 2 * 2 * kBlock);
}

TEST_CASE("a top-of-book read touches one cache line of a copy", "[shm][layout]") {
  STATIC_REQUIRE(sizeof(SlotTop) == 64);
  STATIC_REQUIRE(offsetof(SlotTop, best_ask_qty) + sizeof(std::int64_t) == 64);
}

TEST_CASE("slot copies are whole 128-byte blocks for every depth", "[shm][layout]") {
  for (std::uint32_t d : {1U, 2U, 20U, 1000U, kMaxDepth}) {
    CAPTURE(d);
    REQUIRE(slot_copy_stride(d) % kBlock == 0);
    REQUIRE(slot_copy_stride(d) >= sizeof(SlotCopyHead) + 2ULL * d * sizeof(Level));
  }
}
