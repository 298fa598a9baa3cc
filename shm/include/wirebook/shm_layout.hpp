#pragma once
// wirebook shared-memory layout (DESIGN.md §4, §6) — the contract between the
// daemon's venue threads (one writer per segment) and any number of readers.
//
// A segment file is: SegmentHeader (768 bytes, six 128-byte blocks), then the
// sections named in its section table. Venue segments hold an instrument table,
// book slots (two seqlocked copies per instrument), an event ring, position
// slots (two seqlocked copies per account position, DESIGN §9a) and reference
// slots (two seqlocked copies per instrument: mark, index, funding, open
// interest, DESIGN §9a); the control
// segment holds a venue table; the consolidated segment holds, per configured
// name, one line per member venue (DESIGN §9a). Every struct here is trivially copyable,
// standard layout, and pinned by static_asserts and by kAbiHash, a compile-time
// hash over every shared struct's size, alignment and field offsets.
//
// Memory ordering: every word that is written while published is accessed with
// relaxed atomics (std::atomic_ref) and ordered by the seqlock fences described
// at VenueWriter and VenueReader. Only 1/2/4/8-byte atomic accesses are used, so
// readers can map the file PROT_READ (no lock cmpxchg ever touches it).
//
// Dependencies: the C++ standard library only (installed with the reader API).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace wirebook::shm {

inline constexpr std::uint64_t kMagic = 0x4B4F4F4245524957ULL;  // "WIREBOOK" little-endian
// Major 2: the positions section (and a section table with room for more).
// 2.1: the consolidated segment (a new kind) and the venue segment's feed
// latency (header block 3, formerly reserved).
// Major 3: the reference section and REFERENCE events; the section table
// grew to three blocks (the header to six).
inline constexpr std::uint16_t kLayoutMajor = 3;
inline constexpr std::uint16_t kLayoutMinor = 0;
inline constexpr std::size_t kBlock = 128;  // hot words get their own 128-byte block
inline constexpr std::uint32_t kMaxDepth = 4096;
inline constexpr std::uint32_t kMaxInstruments = 65536;
inline constexpr std::uint32_t kMinRingCapacity = 2;
inline constexpr std::uint32_t kMaxRingCapacity = 1U << 26U;
inline constexpr std::size_t kSymbolLen = 48;  // bytes incl. NUL terminator
inline constexpr std::size_t kNameLen = 32;    // venue / instance names incl. NUL
inline constexpr std::uint32_t kMaxPositions = 4096;
inline constexpr std::uint32_t kDefaultPositionCapacity = 64;
inline constexpr std::uint32_t kMaxConsolidatedNames = 4096;
inline constexpr std::uint32_t kMaxConsolidatedMembers = 16;  // venues per name

enum class SegmentKind : std::uint16_t { venue = 1, control = 2, consolidated = 3 };
enum class SegmentState : std::uint32_t { init = 0, live = 1, closed = 2 };

// Book status (DESIGN §4). Zeroed memory reads as syncing.
enum class Status : std::uint8_t {
  syncing = 0,
  live = 1,
  stale = 2,
  resyncing = 3,
  disconnected = 4
};
enum StatusFlags : std::uint8_t {
  kFlagNone = 0,
  kFlagCrossed = 1U << 0U,    // best bid >= best ask after an update
  kFlagTruncated = 1U << 1U,  // the writer's book dropped levels beyond its capacity
};

enum class EventType : std::uint8_t {
  none = 0,
  level = 1,           // side, px, qty (absolute; 0 deletes)
  trade = 2,           // side = aggressor, px, qty, aux0 = trade id
  bbo = 3,             // px/qty = best bid, aux0/aux1 = best ask px/qty
  status = 4,          // aux0 = Status, aux1 = StatusFlags
  gap = 5,             // chain break; aux0 = expected, aux1 = received (venue-specific ids)
  reset = 6,           // book cleared
  snapshot_begin = 7,  // aux0 = book version; level events follow
  snapshot_end = 8,    // aux0 = book version; book consistent again
  heartbeat = 9,       // writer idle; ts_recv_ns = writer clock
  // A position slot was republished: re-read it. instrument = position slot
  // (not a book index); qty/qty_exp = quantity, px/px_exp = entry price (0
  // when unknown); aux0 = the slot's update count; aux1 = its known-field bits.
  position = 10,
  // Book instrument's reference slot was republished: re-read it. px/px_exp
  // = mark price, qty/qty_exp = index price (0 when unknown); aux0 = the
  // slot's update count; aux1 = its known-field bits (ReferenceField).
  reference = 11,
};

// The values of a position, in slot order (Position::value / exp / known bit).
enum class PositionField : std::uint8_t {
  quantity = 0,  // signed: long > 0 > short
  entry_price = 1,
  pnl = 2,  // the venue's position PnL
  liquidation_price = 3,
  margin = 4,
  leverage = 5,
};
inline constexpr std::size_t kPositionFields = 6;

// The reference data of an instrument, in slot order (Reference::value / exp /
// known bit). Prices and rates are exact fixed point; next_funding_time is
// nanoseconds since the Unix epoch at exponent 0.
enum class ReferenceField : std::uint8_t {
  mark_price = 0,
  index_price = 1,
  funding_rate = 2,  // the venue's current or estimated rate per funding interval
  next_funding_time = 3,
  open_interest = 4,
};
inline constexpr std::size_t kReferenceFields = 5;

// Values per field slot copy: positions and reference data share one copy layout.
inline constexpr std::size_t kSlotFields = 6;
static_assert(kPositionFields <= kSlotFields && kReferenceFields <= kSlotFields);

// Section indices in SegmentHeader::sections.
enum SectionId : std::uint32_t {
  kSecInstruments = 0,
  kSecSlots = 1,
  kSecRing = 2,
  kSecVenues = 3,       // control segments
  kSecPositions = 4,    // venue segments
  kSecConsNames = 5,    // consolidated segment: ConsolidatedName[]
  kSecConsMembers = 6,  // ConsolidatedMember[], grouped by name
  kSecConsLines = 7,    // ConsolidatedLine[], one per member, same order
  kSecReferences = 8,   // venue segments: one reference slot per instrument
  kSectionCount = 12,   // three blocks; unused entries are zero
};

struct Section {
  std::uint64_t offset;  // from the start of the segment, multiple of kBlock
  std::uint64_t size;    // bytes
  std::uint32_t count;   // elements
  std::uint32_t stride;  // bytes per element
  std::uint64_t reserved;
};

struct SegmentHeader {
  // Block 0: identity, written before the file becomes visible, never after.
  std::uint64_t magic;
  std::uint16_t layout_major;
  std::uint16_t layout_minor;
  std::uint16_t kind;  // SegmentKind
  std::uint16_t header_size;
  std::uint64_t abi_hash;
  std::uint64_t generation;    // random, new for every created file
  std::uint64_t segment_size;  // bytes of the whole file
  std::int32_t writer_pid;
  std::uint32_t reserved0;
  std::uint64_t writer_start_time;  // /proc/<pid>/stat field 22 (clock ticks since boot)
  std::int64_t created_realtime_ns;
  char name[kNameLen];  // venue name (venue segment) or instance name (control)
  std::uint32_t instrument_count;
  std::uint32_t depth;              // levels per side in every slot copy
  std::uint32_t ring_capacity;      // records, power of two (0 for control segments)
  std::uint32_t venue_count;        // control segments
  std::uint32_t position_capacity;  // position slots (venue segments)
  std::uint32_t member_count;       // consolidated segments (names: instrument_count)
  std::uint64_t reserved1;
  // Blocks 1-3: section table (immutable).
  Section sections[kSectionCount];
  // Block 4: liveness (hot, writer-written).
  std::int64_t heartbeat_ns;  // CLOCK_MONOTONIC of the writer's last heartbeat
  std::uint32_t state;        // SegmentState
  std::uint32_t reserved2;
  // Venue segments: feed latency (the venue's timestamp of each book update
  // to our receive time) over the writer's sliding window, republished at
  // most once a second under its own seqlock word (one copy: readers retry).
  std::uint64_t feed_latency_seq;    // odd while written; 0: never published
  std::int64_t feed_latency_p50_ns;  // bucket upper bounds, clock offset included
  std::int64_t feed_latency_p99_ns;
  std::uint64_t feed_latency_samples;  // book updates with a venue timestamp in the window
  std::uint64_t feed_latency_ahead;    // of those, venue timestamp ahead of our receive time
  std::uint32_t feed_latency_window_s;
  std::uint32_t reserved3a;
  std::uint64_t reserved3[8];
  // Block 5: ring head (hot): seq of the last completely written event, 0 = none.
  std::uint64_t ring_head;
  std::uint64_t reserved4[15];
};

// One instrument (immutable after creation).
struct InstrumentInfo {
  char symbol[kSymbolLen];
  std::uint32_t index;
  std::uint32_t reserved0;
  std::uint64_t reserved1;
};

struct Level {
  std::int64_t px;
  std::int64_t qty;
};

// First cache line of a slot copy: everything a top-of-book read needs.
struct SlotTop {
  std::uint64_t seq;    // odd while written; 2n when publication n is complete
  std::uint8_t status;  // Status
  std::uint8_t flags;   // StatusFlags
  std::int8_t px_exp;
  std::int8_t qty_exp;
  std::uint16_t bid_count;
  std::uint16_t ask_count;
  std::uint64_t version;
  std::int64_t ts_exchange_ns;
  std::int64_t best_bid_px;
  std::int64_t best_bid_qty;
  std::int64_t best_ask_px;
  std::int64_t best_ask_qty;
};

// Second cache line of a slot copy.
struct SlotMeta {
  std::int64_t ts_recv_ns;     // CLOCK_REALTIME when the frame finished arriving
  std::int64_t ts_publish_ns;  // CLOCK_REALTIME when the writer published
  std::uint64_t update_count;  // publications of this book since the segment was created
  std::uint64_t ring_seq;      // seq of the last ring event this copy reflects, 0 = none
  std::uint64_t reserved[4];
};

// A slot copy: SlotTop, SlotMeta, then bids[depth], asks[depth] (best first),
// padded to a multiple of kBlock. A slot is two copies back to back.
struct SlotCopyHead {
  SlotTop top;
  SlotMeta meta;
};

// One ring record (64 bytes, one cache line).
struct RingRecord {
  std::uint64_t seq;  // 2n-1 while event n is written, 2n when complete
  std::uint8_t type;  // EventType
  std::uint8_t side;  // 0 bid, 1 ask
  std::int8_t px_exp;
  std::int8_t qty_exp;
  std::uint32_t instrument;
  std::int64_t ts_exchange_ns;
  std::int64_t ts_recv_ns;
  std::int64_t px;
  std::int64_t qty;
  std::int64_t aux0;
  std::int64_t aux1;
};

// One copy of a field slot (two blocks): a position slot or a reference
// slot. A slot is two copies, written like book slot copies (the older one,
// under its own seq). Position slots are assigned in order as positions
// arrive and never change instrument, so slots 0..k-1 are in use when slot k
// has never been published. Reference slot i belongs to book instrument i.
struct FieldsCopy {
  // Line 0: the values.
  std::uint64_t seq;                // odd while written; 2n when publication n is complete
  std::uint16_t known;              // bit f: the venue sent field f (PositionField/ReferenceField)
  std::int8_t exp[kSlotFields];     // value[f] * 10^exp[f]
  std::int64_t value[kSlotFields];  // int64 fixed point
  // Line 1: times and bookkeeping.
  std::int64_t ts_exchange_ns;  // the venue's update time
  std::int64_t ts_recv_ns;      // CLOCK_REALTIME when the frame finished arriving
  std::int64_t ts_publish_ns;
  std::uint64_t update_count;  // publications of this slot since the segment was created
  std::uint64_t ring_seq;      // seq of the POSITION/REFERENCE event this copy reflects
  std::uint64_t reserved0[3];
  // Lines 2-3: the instrument, NUL-terminated (the venue's own name).
  char instrument[kSymbolLen];
  std::uint64_t reserved1[10];
};
using PositionCopy = FieldsCopy;
using ReferenceCopy = FieldsCopy;

// Control segment: one entry per venue of the instance.
struct VenueEntry {
  char name[kNameLen];
  char file[64];  // file name inside the instance directory
  std::uint32_t instrument_count;
  std::uint32_t depth;
  std::uint32_t ring_capacity;
  std::uint32_t reserved0;
  std::uint64_t reserved1[2];
};

// ---- consolidated segment (DESIGN §9a) --------------------------------------
// One configured name, e.g. "BTC-PERP" (immutable): its members are
// members[first_member .. first_member + member_count).
struct ConsolidatedName {
  char name[kSymbolLen];
  std::uint32_t first_member;
  std::uint32_t member_count;
  std::uint64_t reserved;
};

// One member: a venue of the instance and its symbol (immutable).
struct ConsolidatedMember {
  char venue[kNameLen];
  char symbol[kSymbolLen];
  std::uint32_t name_index;  // the ConsolidatedName it belongs to
  std::uint32_t instrument;  // the symbol's book index in the venue segment
  std::uint64_t reserved[5];
};

// The top of one member's book, written only by its venue's thread, each time
// it publishes the book or changes its status (one seqlocked copy: readers
// retry a torn read). 128 bytes, so no two venue threads write the same pair
// of cache lines (the adjacent-line prefetcher moves lines in pairs).
struct ConsolidatedLine {
  // Line 0: what a best-price read needs.
  std::uint64_t seq;    // odd while written; 2n when publication n is complete
  std::uint8_t status;  // Status; zeroed memory reads as syncing
  std::uint8_t flags;   // StatusFlags
  std::int8_t px_exp;
  std::int8_t qty_exp;
  std::uint16_t bid_count;  // the book's levels on the side (0: no bid)
  std::uint16_t ask_count;
  std::int64_t best_bid_px;
  std::int64_t best_bid_qty;
  std::int64_t best_ask_px;
  std::int64_t best_ask_qty;
  std::int64_t ts_exchange_ns;
  std::int64_t ts_recv_ns;  // CLOCK_REALTIME when the frame finished arriving
  // Line 1: the venue thread's liveness (written on its 100 ms tick, outside
  // the seqlock: a lone word) and bookkeeping.
  std::int64_t heartbeat_ns;  // CLOCK_MONOTONIC of the venue thread's last tick
  std::int64_t ts_publish_ns;
  std::uint64_t update_count;  // publications of this line
  std::uint64_t reserved[5];
};

// ---- layout pins -----------------------------------------------------------
#define WIREBOOK_SHM_PIN(T, sz)                       \
  static_assert(std::is_trivially_copyable_v<T>, #T); \
  static_assert(std::is_standard_layout_v<T>, #T);    \
  static_assert(sizeof(T) == (sz), #T " size")
WIREBOOK_SHM_PIN(Section, 32);
WIREBOOK_SHM_PIN(SegmentHeader, 6 * kBlock);
WIREBOOK_SHM_PIN(InstrumentInfo, 64);
WIREBOOK_SHM_PIN(Level, 16);
WIREBOOK_SHM_PIN(SlotTop, 64);
WIREBOOK_SHM_PIN(SlotMeta, 64);
WIREBOOK_SHM_PIN(SlotCopyHead, 128);
WIREBOOK_SHM_PIN(RingRecord, 64);
WIREBOOK_SHM_PIN(VenueEntry, 128);
WIREBOOK_SHM_PIN(FieldsCopy, 2 * kBlock);
WIREBOOK_SHM_PIN(ConsolidatedName, 64);
WIREBOOK_SHM_PIN(ConsolidatedMember, kBlock);
WIREBOOK_SHM_PIN(ConsolidatedLine, kBlock);
#undef WIREBOOK_SHM_PIN
static_assert(offsetof(SegmentHeader, sections) == 1 * kBlock);
static_assert(offsetof(SegmentHeader, heartbeat_ns) == 4 * kBlock);
static_assert(offsetof(SegmentHeader, state) == 4 * kBlock + 8);
static_assert(offsetof(SegmentHeader, ring_head) == 5 * kBlock);
static_assert(offsetof(SegmentHeader, name) == 64);
static_assert(offsetof(SlotTop, seq) == 0);
static_assert(offsetof(SlotTop, version) == 16);
static_assert(offsetof(SlotTop, best_ask_qty) == 56);
static_assert(offsetof(SlotCopyHead, meta) == 64);
static_assert(offsetof(RingRecord, type) == 8);
static_assert(offsetof(RingRecord, aux1) == 56);
static_assert(offsetof(FieldsCopy, value) == 16);
static_assert(offsetof(FieldsCopy, ts_exchange_ns) == 64);
static_assert(offsetof(FieldsCopy, instrument) == 2 * 64);
static_assert(offsetof(ConsolidatedLine, heartbeat_ns) == 64);
static_assert(alignof(SegmentHeader) == 8 && alignof(SlotTop) == 8 && alignof(RingRecord) == 8);

// ---- ABI hash ----------------------------------------------------------------
namespace detail {
constexpr std::uint64_t fnv1a(std::uint64_t h, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8U * static_cast<unsigned>(i))) & 0xFFU;
    h *= 0x100000001B3ULL;
  }
  return h;
}
template <std::size_t N>
constexpr std::uint64_t fnv1a_all(const std::uint64_t (&v)[N]) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (std::uint64_t x : v) h = fnv1a(h, x);
  return h;
}
}  // namespace detail

// struct: tag, size, alignment; field: offset and size.
#define WIREBOOK_SHM_T(T, tag) tag, sizeof(T), alignof(T)
#define WIREBOOK_SHM_F(T, f) offsetof(T, f), sizeof(T::f)
inline constexpr std::uint64_t kAbiHash = detail::fnv1a_all({
    kLayoutMajor,
    kBlock,
    WIREBOOK_SHM_T(Section, 1),
    WIREBOOK_SHM_F(Section, offset),
    WIREBOOK_SHM_F(Section, size),
    WIREBOOK_SHM_F(Section, count),
    WIREBOOK_SHM_F(Section, stride),
    WIREBOOK_SHM_T(SegmentHeader, 2),
    WIREBOOK_SHM_F(SegmentHeader, magic),
    WIREBOOK_SHM_F(SegmentHeader, layout_major),
    WIREBOOK_SHM_F(SegmentHeader, layout_minor),
    WIREBOOK_SHM_F(SegmentHeader, kind),
    WIREBOOK_SHM_F(SegmentHeader, header_size),
    WIREBOOK_SHM_F(SegmentHeader, abi_hash),
    WIREBOOK_SHM_F(SegmentHeader, generation),
    WIREBOOK_SHM_F(SegmentHeader, segment_size),
    WIREBOOK_SHM_F(SegmentHeader, writer_pid),
    WIREBOOK_SHM_F(SegmentHeader, writer_start_time),
    WIREBOOK_SHM_F(SegmentHeader, created_realtime_ns),
    WIREBOOK_SHM_F(SegmentHeader, name),
    WIREBOOK_SHM_F(SegmentHeader, instrument_count),
    WIREBOOK_SHM_F(SegmentHeader, depth),
    WIREBOOK_SHM_F(SegmentHeader, ring_capacity),
    WIREBOOK_SHM_F(SegmentHeader, venue_count),
    WIREBOOK_SHM_F(SegmentHeader, position_capacity),
    WIREBOOK_SHM_F(SegmentHeader, member_count),
    WIREBOOK_SHM_F(SegmentHeader, sections),
    WIREBOOK_SHM_F(SegmentHeader, heartbeat_ns),
    WIREBOOK_SHM_F(SegmentHeader, state),
    WIREBOOK_SHM_F(SegmentHeader, feed_latency_seq),
    WIREBOOK_SHM_F(SegmentHeader, feed_latency_p50_ns),
    WIREBOOK_SHM_F(SegmentHeader, feed_latency_p99_ns),
    WIREBOOK_SHM_F(SegmentHeader, feed_latency_samples),
    WIREBOOK_SHM_F(SegmentHeader, feed_latency_ahead),
    WIREBOOK_SHM_F(SegmentHeader, feed_latency_window_s),
    WIREBOOK_SHM_F(SegmentHeader, ring_head),
    WIREBOOK_SHM_T(InstrumentInfo, 3),
    WIREBOOK_SHM_F(InstrumentInfo, symbol),
    WIREBOOK_SHM_F(InstrumentInfo, index),
    WIREBOOK_SHM_T(Level, 4),
    WIREBOOK_SHM_F(Level, px),
    WIREBOOK_SHM_F(Level, qty),
    WIREBOOK_SHM_T(SlotTop, 5),
    WIREBOOK_SHM_F(SlotTop, seq),
    WIREBOOK_SHM_F(SlotTop, status),
    WIREBOOK_SHM_F(SlotTop, flags),
    WIREBOOK_SHM_F(SlotTop, px_exp),
    WIREBOOK_SHM_F(SlotTop, qty_exp),
    WIREBOOK_SHM_F(SlotTop, bid_count),
    WIREBOOK_SHM_F(SlotTop, ask_count),
    WIREBOOK_SHM_F(SlotTop, version),
    WIREBOOK_SHM_F(SlotTop, ts_exchange_ns),
    WIREBOOK_SHM_F(SlotTop, best_bid_px),
    WIREBOOK_SHM_F(SlotTop, best_bid_qty),
    WIREBOOK_SHM_F(SlotTop, best_ask_px),
    WIREBOOK_SHM_F(SlotTop, best_ask_qty),
    WIREBOOK_SHM_T(SlotMeta, 6),
    WIREBOOK_SHM_F(SlotMeta, ts_recv_ns),
    WIREBOOK_SHM_F(SlotMeta, ts_publish_ns),
    WIREBOOK_SHM_F(SlotMeta, update_count),
    WIREBOOK_SHM_F(SlotMeta, ring_seq),
    WIREBOOK_SHM_T(SlotCopyHead, 7),
    WIREBOOK_SHM_F(SlotCopyHead, top),
    WIREBOOK_SHM_F(SlotCopyHead, meta),
    WIREBOOK_SHM_T(RingRecord, 8),
    WIREBOOK_SHM_F(RingRecord, seq),
    WIREBOOK_SHM_F(RingRecord, type),
    WIREBOOK_SHM_F(RingRecord, side),
    WIREBOOK_SHM_F(RingRecord, px_exp),
    WIREBOOK_SHM_F(RingRecord, qty_exp),
    WIREBOOK_SHM_F(RingRecord, instrument),
    WIREBOOK_SHM_F(RingRecord, ts_exchange_ns),
    WIREBOOK_SHM_F(RingRecord, ts_recv_ns),
    WIREBOOK_SHM_F(RingRecord, px),
    WIREBOOK_SHM_F(RingRecord, qty),
    WIREBOOK_SHM_F(RingRecord, aux0),
    WIREBOOK_SHM_F(RingRecord, aux1),
    WIREBOOK_SHM_T(VenueEntry, 9),
    WIREBOOK_SHM_F(VenueEntry, name),
    WIREBOOK_SHM_F(VenueEntry, file),
    WIREBOOK_SHM_F(VenueEntry, instrument_count),
    WIREBOOK_SHM_F(VenueEntry, depth),
    WIREBOOK_SHM_F(VenueEntry, ring_capacity),
    WIREBOOK_SHM_T(FieldsCopy, 10),
    WIREBOOK_SHM_F(FieldsCopy, seq),
    WIREBOOK_SHM_F(FieldsCopy, known),
    WIREBOOK_SHM_F(FieldsCopy, exp),
    WIREBOOK_SHM_F(FieldsCopy, value),
    WIREBOOK_SHM_F(FieldsCopy, ts_exchange_ns),
    WIREBOOK_SHM_F(FieldsCopy, ts_recv_ns),
    WIREBOOK_SHM_F(FieldsCopy, ts_publish_ns),
    WIREBOOK_SHM_F(FieldsCopy, update_count),
    WIREBOOK_SHM_F(FieldsCopy, ring_seq),
    WIREBOOK_SHM_F(FieldsCopy, instrument),
    WIREBOOK_SHM_T(ConsolidatedName, 11),
    WIREBOOK_SHM_F(ConsolidatedName, name),
    WIREBOOK_SHM_F(ConsolidatedName, first_member),
    WIREBOOK_SHM_F(ConsolidatedName, member_count),
    WIREBOOK_SHM_T(ConsolidatedMember, 12),
    WIREBOOK_SHM_F(ConsolidatedMember, venue),
    WIREBOOK_SHM_F(ConsolidatedMember, symbol),
    WIREBOOK_SHM_F(ConsolidatedMember, name_index),
    WIREBOOK_SHM_F(ConsolidatedMember, instrument),
    WIREBOOK_SHM_T(ConsolidatedLine, 13),
    WIREBOOK_SHM_F(ConsolidatedLine, seq),
    WIREBOOK_SHM_F(ConsolidatedLine, status),
    WIREBOOK_SHM_F(ConsolidatedLine, flags),
    WIREBOOK_SHM_F(ConsolidatedLine, px_exp),
    WIREBOOK_SHM_F(ConsolidatedLine, qty_exp),
    WIREBOOK_SHM_F(ConsolidatedLine, bid_count),
    WIREBOOK_SHM_F(ConsolidatedLine, ask_count),
    WIREBOOK_SHM_F(ConsolidatedLine, best_bid_px),
    WIREBOOK_SHM_F(ConsolidatedLine, best_bid_qty),
    WIREBOOK_SHM_F(ConsolidatedLine, best_ask_px),
    WIREBOOK_SHM_F(ConsolidatedLine, best_ask_qty),
    WIREBOOK_SHM_F(ConsolidatedLine, ts_exchange_ns),
    WIREBOOK_SHM_F(ConsolidatedLine, ts_recv_ns),
    WIREBOOK_SHM_F(ConsolidatedLine, heartbeat_ns),
    WIREBOOK_SHM_F(ConsolidatedLine, ts_publish_ns),
    WIREBOOK_SHM_F(ConsolidatedLine, update_count),
});
#undef WIREBOOK_SHM_T
#undef WIREBOOK_SHM_F

// ---- geometry ------------------------------------------------------------------
[[nodiscard]] constexpr std::uint64_t round_up_block(std::uint64_t n) noexcept {
  return (n + kBlock - 1) / kBlock * kBlock;
}
// Bytes of one slot copy for `depth` levels per side.
[[nodiscard]] constexpr std::uint64_t slot_copy_stride(std::uint32_t depth) noexcept {
  return round_up_block(sizeof(SlotCopyHead) + 2ULL * depth * sizeof(Level));
}
// Bytes of one position or reference slot (two copies).
inline constexpr std::uint64_t kFieldsSlotStride = 2 * sizeof(FieldsCopy);
inline constexpr std::uint64_t kPositionSlotStride = kFieldsSlotStride;
inline constexpr std::uint64_t kReferenceSlotStride = kFieldsSlotStride;
[[nodiscard]] constexpr bool is_pow2(std::uint64_t n) noexcept {
  return n != 0 && (n & (n - 1)) == 0;
}

// A decoded ring event (a value, not shared memory). Field meaning per EventType.
struct Event {
  std::uint64_t seq = 0;  // 1-based, dense: the writer's n-th event
  EventType type = EventType::none;
  std::uint8_t side = 0;
  std::int8_t px_exp = 0;
  std::int8_t qty_exp = 0;
  std::uint32_t instrument = 0;
  std::int64_t ts_exchange_ns = 0;
  std::int64_t ts_recv_ns = 0;
  std::int64_t px = 0;
  std::int64_t qty = 0;
  std::int64_t aux0 = 0;
  std::int64_t aux1 = 0;
};

// The decoded content of a field slot (a value, not shared memory): what the
// writer publishes into a position or reference slot and what a reader gets
// back. The writer ignores update_count, ring_seq and writer_ok (it sets the
// first two itself). `Field` names the values: PositionField or ReferenceField.
template <class Field>
struct FieldValues {
  char instrument[kSymbolLen] = {};  // NUL-terminated
  std::uint16_t known = 0;           // bit f: field f was sent by the venue
  std::int8_t exp[kSlotFields] = {};
  std::int64_t value[kSlotFields] = {};
  std::int64_t ts_exchange_ns = 0;
  std::int64_t ts_recv_ns = 0;
  std::int64_t ts_publish_ns = 0;
  std::uint64_t update_count = 0;
  std::uint64_t ring_seq = 0;  // the event reflected: skip events with seq <= this
  bool writer_ok = false;      // reader: writer alive as of the last refresh()

  [[nodiscard]] static constexpr unsigned bit(Field f) noexcept {
    return 1U << static_cast<unsigned>(f);
  }
  [[nodiscard]] bool has(Field f) const noexcept { return (known & bit(f)) != 0; }
  // Fixed point: raw(f) * 10^exponent(f). Meaningful only when has(f).
  [[nodiscard]] std::int64_t raw(Field f) const noexcept {
    return value[static_cast<std::size_t>(f)];
  }
  [[nodiscard]] int exponent(Field f) const noexcept { return exp[static_cast<std::size_t>(f)]; }
  // Sets field f to raw * 10^exponent and marks it known.
  void set(Field f, std::int64_t raw_value, int exponent_value) noexcept {
    value[static_cast<std::size_t>(f)] = raw_value;
    exp[static_cast<std::size_t>(f)] = static_cast<std::int8_t>(exponent_value);
    known = static_cast<std::uint16_t>(known | bit(f));
  }
};
// An account position (DESIGN §9a).
using Position = FieldValues<PositionField>;
// An instrument's reference data (DESIGN §9a); instrument = the book's symbol.
using Reference = FieldValues<ReferenceField>;

// A venue's feed latency as published in its segment header (a value).
struct FeedLatency {
  std::int64_t p50_ns = 0;
  std::int64_t p99_ns = 0;
  std::uint64_t samples = 0;
  std::uint64_t ahead = 0;
  std::uint32_t window_s = 0;
};

// Relaxed/acquire/release access to words of a mapping. Loads never write, so
// they are safe on PROT_READ memory (atomic_ref of a const object is C++26;
// the const_cast only strips the type qualifier, no store is ever issued).
namespace detail {
template <class T>
[[nodiscard]] inline T load(const T& x, std::memory_order o) noexcept {
  static_assert(sizeof(T) <= 8 && std::atomic_ref<T>::is_always_lock_free);
  return std::atomic_ref<T>(const_cast<T&>(x))
      .load(o);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}
template <class T>
inline void store(T& x, T v, std::memory_order o) noexcept {
  static_assert(sizeof(T) <= 8 && std::atomic_ref<T>::is_always_lock_free);
  std::atomic_ref<T>(x).store(v, o);
}
}  // namespace detail

// File names inside an instance directory.
inline constexpr const char* kControlFile = "control";
inline constexpr const char* kVenueFilePrefix = "venue-";
inline constexpr const char* kConsolidatedFile = "consolidated";
inline constexpr const char* kDefaultRoot = "/dev/shm/wirebook";

}  // namespace wirebook::shm
