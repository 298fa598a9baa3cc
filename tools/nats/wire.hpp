#pragma once
// The bridge's wire encoding, version 2 (README "NATS bridge and mirror").
//
// Every message starts with two bytes: the encoding version (kWireVersion)
// and a MessageKind. Integers after that are LEB128 varints (unsigned) or
// zigzag varints (signed), except the 8-byte little-endian generation. An
// EVENTS message carries a contiguous range of one venue's ring sequence
// (wirebook's own, dense per segment generation) as records: ring events
// (delta-coded against the previous event of the same message), BOOK records
// (a book publication: its slot metadata and its top levels, in full or as a
// price-keyed difference from the previous BOOK record of that book),
// POSITION (a position slot's whole content), RESET (an announced hole) and
// SOURCE (the source writer's liveness). Version 2 added the positions:
// POSITION records, the POSITIONS snapshot and VenueInfo::position_capacity.
// Version 3 added reference data: REFERENCE records (a book's reference
// slot, before its REFERENCE event) and the reference slot in book snapshots.
//
// Cold code by design (a tool, not the daemon's hot path): encoders append to
// a reused std::string; decoders fill reused vectors. Nothing throws; a
// malformed message decodes to false.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <wirebook/shm_layout.hpp>

namespace wirebook::nats {

inline constexpr std::uint8_t kWireVersion = 3;

enum class MessageKind : std::uint8_t {
  events = 1,         // wirebook.<instance>.<venue>.ev
  snapshot = 2,       // wirebook.<instance>.<venue>.snap.<instrument index>
  venue_info = 3,     // wirebook.<instance>.<venue>.info
  instance_info = 4,  // wirebook.<instance>.info
  positions = 5,      // wirebook.<instance>.<venue>.snap.pos
};

// Record tags inside an EVENTS message. 1..11 are shm::EventType values.
inline constexpr std::uint8_t kTagBook = 0x40;
inline constexpr std::uint8_t kTagReset = 0x41;
inline constexpr std::uint8_t kTagSource = 0x42;
inline constexpr std::uint8_t kTagPosition = 0x43;
inline constexpr std::uint8_t kTagReference = 0x44;

// Why a RESET record announces a hole in the sequence.
enum class ResetReason : std::uint8_t {
  lapped = 1,          // the bridge was overrun by the source ring
  writer_restart = 2,  // the source segment has a new generation
  publish_failed = 3,  // a message could not be stored in JetStream
  bridge_start = 4,    // a bridge (re)started and cannot continue the previous sequence
};
[[nodiscard]] const char* to_string(ResetReason r) noexcept;

// A book publication. In a diff record `bids`/`asks` hold only the prices
// whose quantity changed (quantity 0: the price left the top levels); in a
// full record they are the whole published top, best first.
struct BookRecord {
  std::uint32_t instrument = 0;
  bool full = false;
  std::uint8_t status = 0;  // shm::Status
  std::uint8_t flags = 0;   // shm::StatusFlags
  std::int8_t px_exp = 0;
  std::int8_t qty_exp = 0;
  std::uint64_t version = 0;
  std::uint64_t update_count = 0;       // the source slot's publication count
  std::uint64_t base_update_count = 0;  // diff: the update_count it applies to
  std::int64_t ts_exchange_ns = 0;
  std::int64_t ts_recv_ns = 0;
  std::int64_t ts_publish_ns = 0;
  std::uint64_t ring_seq = 0;  // source ring seq this publication reflects
  std::vector<shm::Level> bids;
  std::vector<shm::Level> asks;
};

// A position slot's content as the source shows it (update_count and
// ring_seq are the source's; writer_ok is not sent). `with_event`: the
// record's next one is the source's POSITION event of this slot (the
// bridge sends a slot's content just before that event; a decoder checks).
struct PositionRecord {
  std::uint32_t slot = 0;
  bool with_event = false;
  shm::Position position;
};

// A book's reference slot as the source shows it (update_count and ring_seq
// are the source's); `with_event` as in PositionRecord (its REFERENCE event).
struct ReferenceRecord {
  std::uint32_t instrument = 0;
  bool with_event = false;
  shm::Reference reference;
};

struct EventsHeader {
  std::uint64_t generation = 0;  // source segment generation
  std::uint64_t first_seq = 0;   // seq of the first event record
  std::uint64_t last_seq = 0;    // first_seq - 1 when the message has no event record
};

struct SnapshotHeader {
  std::uint64_t generation = 0;
  std::uint64_t position = 0;  // ring seq after which the book record was sent
  std::uint64_t js_hint = 0;   // a JetStream stream seq at or before the record's message
};

// The positions of one venue, slots 0..n-1, as of one point of its stream.
struct PositionsSnapshot {
  SnapshotHeader header;
  std::vector<shm::Position> slots;
};

struct VenueInfo {
  std::uint64_t generation = 0;
  std::uint32_t depth = 0;
  std::uint32_t ring_capacity = 0;
  std::uint32_t position_capacity = 0;
  std::vector<std::string> symbols;
};

// ---- encoding -----------------------------------------------------------------

// Builds one EVENTS message. begin() starts it; event()/book()/reset()/source()
// append records in stream order; bytes() is the message so far.
class EventsEncoder {
 public:
  void begin(std::uint64_t generation, std::uint64_t first_seq);
  void event(const shm::Event& ev);
  void book(const BookRecord& b);
  void position(const PositionRecord& p);
  void reference(const ReferenceRecord& r);
  void reset(ResetReason reason, std::uint64_t lost);
  void source(std::uint8_t liveness);
  // Patches last_seq into the header and returns the finished message.
  [[nodiscard]] std::string_view finish();
  [[nodiscard]] std::size_t size() const noexcept { return buf_.size(); }
  [[nodiscard]] std::uint64_t first_seq() const noexcept { return first_seq_; }
  [[nodiscard]] std::uint64_t event_count() const noexcept { return events_; }
  [[nodiscard]] std::uint32_t record_count() const noexcept { return records_; }

 private:
  std::string buf_;
  shm::Event prev_{};
  std::uint64_t first_seq_ = 0;
  std::uint64_t events_ = 0;
  std::uint32_t records_ = 0;
};

void encode_book(std::string& out, const BookRecord& b);
// A book snapshot with the book's reference slot (update_count 0: none).
[[nodiscard]] std::string encode_snapshot(const SnapshotHeader& h, const BookRecord& b,
                                          const shm::Reference& reference = {});
[[nodiscard]] std::string encode_positions(const PositionsSnapshot& s);
[[nodiscard]] std::string encode_venue_info(const VenueInfo& v);
[[nodiscard]] std::string encode_instance_info(const std::vector<std::string>& venues);

// ---- decoding -----------------------------------------------------------------

// Receives an EVENTS message's records in order. `seq` of an event record is
// implied by its position.
class EventsVisitor {
 public:
  EventsVisitor() = default;
  EventsVisitor(const EventsVisitor&) = delete;
  EventsVisitor& operator=(const EventsVisitor&) = delete;
  virtual ~EventsVisitor() = default;
  virtual void on_event(const shm::Event& ev) = 0;
  virtual void on_book(const BookRecord& b) = 0;
  virtual void on_position(const PositionRecord& p) = 0;
  virtual void on_reference(const ReferenceRecord& r) = 0;
  virtual void on_reset(ResetReason reason, std::uint64_t lost) = 0;
  virtual void on_source(std::uint8_t liveness) = 0;
};

[[nodiscard]] bool peek_kind(std::string_view msg, MessageKind& kind) noexcept;
[[nodiscard]] bool decode_events_header(std::string_view msg, EventsHeader& h) noexcept;
// Decodes the header and visits every record; false when malformed (records
// before the fault have been visited; a POSITION or REFERENCE record
// announcing its event is followed by that event or the message is malformed). `scratch` is
// reused for BOOK records.
[[nodiscard]] bool decode_events(std::string_view msg, EventsHeader& h, EventsVisitor& v,
                                 BookRecord& scratch);
[[nodiscard]] bool decode_snapshot(std::string_view msg, SnapshotHeader& h, BookRecord& b,
                                   shm::Reference& reference);
[[nodiscard]] bool decode_positions(std::string_view msg, PositionsSnapshot& s);
[[nodiscard]] bool decode_venue_info(std::string_view msg, VenueInfo& v);
// Why a message was rejected, for a log line: "wire version 1, expected 2",
// "kind 7", "truncated or malformed".
[[nodiscard]] std::string describe_rejection(std::string_view msg);
[[nodiscard]] bool decode_instance_info(std::string_view msg, std::vector<std::string>& venues);

// ---- top-of-book differences --------------------------------------------------

// Price-keyed difference between two top-N sides (best first; `ask` selects
// the ascending order): every price of `now` whose quantity is new or
// changed, and every price of `before` missing from `now` with quantity 0.
void diff_side(std::span<const shm::Level> before, std::span<const shm::Level> now, bool ask,
               std::vector<shm::Level>& out);
// Applies such a difference to `side` (best first), keeping the order.
void apply_side(std::vector<shm::Level>& side, std::span<const shm::Level> changes, bool ask,
                std::vector<shm::Level>& scratch);

}  // namespace wirebook::nats
