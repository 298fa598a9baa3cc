#include "tools/nats/wire.hpp"

#include <cstring>
#include <string>

namespace wirebook::nats {
namespace {

// ---- primitives -------------------------------------------------------------

void put_u8(std::string& out, std::uint8_t v) {
  out.push_back(static_cast<char>(v));
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80U) {
    out.push_back(static_cast<char>((v & 0x7FU) | 0x80U));
    v >>= 7U;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1U) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1U) ^ -static_cast<std::int64_t>(v & 1U);
}

// Differences of int64 values wrap (two's complement) so any pair round-trips.
std::int64_t wrap_sub(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrap_add(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

void put_signed(std::string& out, std::int64_t v) {
  put_varint(out, zigzag(v));
}

void put_u64_le(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8U * i)) & 0xFFU));
}

void put_text(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// Bounds-checked reader; every failure latches ok_ = false.
class Cursor {
 public:
  explicit Cursor(std::string_view s) noexcept
      : p_(reinterpret_cast<const unsigned char*>(s.data())), end_(p_ + s.size()) {}
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] bool done() const noexcept { return p_ == end_; }
  std::uint8_t u8() noexcept {
    if (p_ == end_) return fail<std::uint8_t>();
    return *p_++;
  }
  std::int8_t i8() noexcept { return static_cast<std::int8_t>(u8()); }
  std::uint64_t varint() noexcept {
    std::uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return fail<std::uint64_t>();
      const std::uint8_t b = *p_++;
      v |= static_cast<std::uint64_t>(b & 0x7FU) << shift;
      if ((b & 0x80U) == 0) return v;
    }
    return fail<std::uint64_t>();
  }
  std::int64_t signed_varint() noexcept { return unzigzag(varint()); }
  std::uint64_t u64_le() noexcept {
    if (end_ - p_ < 8) return fail<std::uint64_t>();
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p_[i]) << (8U * i);
    p_ += 8;
    return v;
  }
  std::uint32_t u32_varint() noexcept {
    const std::uint64_t v = varint();
    if (v > 0xFFFFFFFFULL) return fail<std::uint32_t>();
    return static_cast<std::uint32_t>(v);
  }
  std::string text() noexcept {
    const std::uint64_t n = varint();
    if (!ok_ || n > static_cast<std::uint64_t>(end_ - p_)) return fail<std::string>();
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  // A count of items of at least `min_bytes` each that must fit the rest.
  std::uint64_t count(std::uint64_t min_bytes) noexcept {
    const std::uint64_t n = varint();
    if (!ok_ || n > static_cast<std::uint64_t>(end_ - p_) / min_bytes) return fail<std::uint64_t>();
    return n;
  }

 private:
  template <class T>
  T fail() noexcept {
    ok_ = false;
    p_ = end_;
    return T{};
  }
  const unsigned char* p_;
  const unsigned char* end_;
  bool ok_ = true;
};

bool expect_head(Cursor& c, MessageKind kind) noexcept {
  const std::uint8_t version = c.u8();
  const std::uint8_t k = c.u8();
  return c.ok() && version == kWireVersion && k == static_cast<std::uint8_t>(kind);
}

// ---- levels and book records ---------------------------------------------------

// Prices delta-coded against the previous level of the list, quantities plain.
void put_levels(std::string& out, const std::vector<shm::Level>& levels) {
  put_varint(out, levels.size());
  std::int64_t prev_px = 0;
  for (const shm::Level& l : levels) {
    put_signed(out, wrap_sub(l.px, prev_px));
    put_signed(out, l.qty);
    prev_px = l.px;
  }
}

bool get_levels(Cursor& c, std::vector<shm::Level>& levels) {
  levels.clear();
  const std::uint64_t n = c.count(2);
  std::int64_t px = 0;
  for (std::uint64_t k = 0; k < n && c.ok(); ++k) {
    px = wrap_add(px, c.signed_varint());
    levels.push_back(shm::Level{px, c.signed_varint()});
  }
  return c.ok();
}

bool get_book(Cursor& c, BookRecord& b) {
  b.instrument = c.u32_varint();
  b.full = (c.u8() & 1U) != 0;
  b.status = c.u8();
  b.flags = c.u8();
  b.px_exp = c.i8();
  b.qty_exp = c.i8();
  b.version = c.varint();
  b.update_count = c.varint();
  b.base_update_count = c.varint();
  b.ts_exchange_ns = c.signed_varint();
  b.ts_recv_ns = c.signed_varint();
  b.ts_publish_ns = c.signed_varint();
  b.ring_seq = c.varint();
  return c.ok() && get_levels(c, b.bids) && get_levels(c, b.asks);
}

bool get_event(Cursor& c, std::uint8_t tag, shm::Event& prev, shm::Event& ev) {
  ev.type = static_cast<shm::EventType>(tag);
  ev.instrument = c.u32_varint();
  ev.side = c.u8();
  ev.px_exp = c.i8();
  ev.qty_exp = c.i8();
  ev.ts_exchange_ns = wrap_add(prev.ts_exchange_ns, c.signed_varint());
  ev.ts_recv_ns = wrap_add(prev.ts_recv_ns, c.signed_varint());
  ev.px = wrap_add(prev.px, c.signed_varint());
  ev.qty = wrap_add(prev.qty, c.signed_varint());
  ev.aux0 = wrap_add(prev.aux0, c.signed_varint());
  ev.aux1 = wrap_add(prev.aux1, c.signed_varint());
  prev = ev;
  return c.ok();
}

// Field slot contents (a position or a reference slot): the instrument name,
// the known bits, each field's exponent and value, the three times, the
// source's update count and the ring seq it reflects.
template <class Field, std::size_t kFields>
void put_fields(std::string& out, const shm::FieldValues<Field>& p) {
  put_text(out, std::string_view(p.instrument, ::strnlen(p.instrument, shm::kSymbolLen - 1)));
  put_varint(out, p.known);
  for (std::size_t f = 0; f < kFields; ++f) {
    put_u8(out, static_cast<std::uint8_t>(p.exp[f]));
    put_signed(out, p.value[f]);
  }
  put_signed(out, p.ts_exchange_ns);
  put_signed(out, p.ts_recv_ns);
  put_signed(out, p.ts_publish_ns);
  put_varint(out, p.update_count);
  put_varint(out, p.ring_seq);
}
void put_position(std::string& out, const shm::Position& p) {
  put_fields<shm::PositionField, shm::kPositionFields>(out, p);
}
void put_reference(std::string& out, const shm::Reference& r) {
  put_fields<shm::ReferenceField, shm::kReferenceFields>(out, r);
}

// Bytes of the smallest encoded position (bounds a count before allocating):
// a one-byte name with its length, known, six exponents and values, three
// times and two counts.
constexpr std::uint64_t kMinPositionBytes = 2 + 1 + 2 * shm::kPositionFields + 5;

template <class Field, std::size_t kFields>
bool get_fields(Cursor& c, shm::FieldValues<Field>& p) {
  p = shm::FieldValues<Field>{};
  const std::string name = c.text();
  // A slot always has a name that fits the segment, without NUL bytes.
  if (!c.ok() || name.empty() || name.size() >= shm::kSymbolLen ||
      name.find('\0') != std::string::npos) {
    return false;
  }
  std::memcpy(p.instrument, name.data(), name.size());
  const std::uint64_t known = c.varint();
  if (known >= (1U << kFields)) return false;
  p.known = static_cast<std::uint16_t>(known);
  for (std::size_t f = 0; f < kFields; ++f) {
    p.exp[f] = c.i8();
    p.value[f] = c.signed_varint();
  }
  p.ts_exchange_ns = c.signed_varint();
  p.ts_recv_ns = c.signed_varint();
  p.ts_publish_ns = c.signed_varint();
  p.update_count = c.varint();
  p.ring_seq = c.varint();
  return c.ok();
}
bool get_position(Cursor& c, shm::Position& p) {
  return get_fields<shm::PositionField, shm::kPositionFields>(c, p);
}

bool get_position_record(Cursor& c, PositionRecord& r) {
  r.slot = c.u32_varint();
  const std::uint8_t flags = c.u8();
  if (!c.ok() || flags > 1) return false;
  r.with_event = flags == 1;
  return get_position(c, r.position);
}

bool get_reference_record(Cursor& c, ReferenceRecord& r) {
  r.instrument = c.u32_varint();
  const std::uint8_t flags = c.u8();
  if (!c.ok() || flags > 1) return false;
  r.with_event = flags == 1;
  return get_fields<shm::ReferenceField, shm::kReferenceFields>(c, r.reference);
}

bool is_event_tag(std::uint8_t tag) noexcept {
  return tag >= static_cast<std::uint8_t>(shm::EventType::level) &&
         tag <= static_cast<std::uint8_t>(shm::EventType::reference);
}

}  // namespace

const char* to_string(ResetReason r) noexcept {
  switch (r) {
    case ResetReason::lapped:
      return "lapped";
    case ResetReason::writer_restart:
      return "writer restart";
    case ResetReason::publish_failed:
      return "publish failed";
    case ResetReason::bridge_start:
      return "bridge start";
  }
  return "unknown";
}

// ---- EventsEncoder ---------------------------------------------------------------

// Header: version, kind, generation (8 bytes LE), first_seq (varint), then
// last_seq (8 bytes LE) and the record count (4 bytes LE), fixed-size so
// finish() can patch them in place; the count makes a message cut at a
// record boundary detectable.
void EventsEncoder::begin(std::uint64_t generation, std::uint64_t first_seq) {
  buf_.clear();
  put_u8(buf_, kWireVersion);
  put_u8(buf_, static_cast<std::uint8_t>(MessageKind::events));
  put_u64_le(buf_, generation);
  put_varint(buf_, first_seq);
  put_u64_le(buf_, 0);  // last_seq, patched by finish()
  put_u8(buf_, 0);      // record count (u32 LE), patched by finish()
  put_u8(buf_, 0);
  put_u8(buf_, 0);
  put_u8(buf_, 0);
  prev_ = shm::Event{};
  first_seq_ = first_seq;
  events_ = 0;
  records_ = 0;
}

void EventsEncoder::event(const shm::Event& ev) {
  put_u8(buf_, static_cast<std::uint8_t>(ev.type));
  put_varint(buf_, ev.instrument);
  put_u8(buf_, ev.side);
  put_u8(buf_, static_cast<std::uint8_t>(ev.px_exp));
  put_u8(buf_, static_cast<std::uint8_t>(ev.qty_exp));
  put_signed(buf_, wrap_sub(ev.ts_exchange_ns, prev_.ts_exchange_ns));
  put_signed(buf_, wrap_sub(ev.ts_recv_ns, prev_.ts_recv_ns));
  put_signed(buf_, wrap_sub(ev.px, prev_.px));
  put_signed(buf_, wrap_sub(ev.qty, prev_.qty));
  put_signed(buf_, wrap_sub(ev.aux0, prev_.aux0));
  put_signed(buf_, wrap_sub(ev.aux1, prev_.aux1));
  prev_ = ev;
  ++events_;
  ++records_;
}

void EventsEncoder::book(const BookRecord& b) {
  encode_book(buf_, b);
  ++records_;
}

void EventsEncoder::reference(const ReferenceRecord& r) {
  put_u8(buf_, kTagReference);
  put_varint(buf_, r.instrument);
  put_u8(buf_, r.with_event ? 1U : 0U);
  put_reference(buf_, r.reference);
  ++records_;
}

void EventsEncoder::position(const PositionRecord& p) {
  put_u8(buf_, kTagPosition);
  put_varint(buf_, p.slot);
  put_u8(buf_, p.with_event ? 1U : 0U);
  put_position(buf_, p.position);
  ++records_;
}

void EventsEncoder::reset(ResetReason reason, std::uint64_t lost) {
  put_u8(buf_, kTagReset);
  put_u8(buf_, static_cast<std::uint8_t>(reason));
  put_varint(buf_, lost);
  ++records_;
}

void EventsEncoder::source(std::uint8_t liveness) {
  put_u8(buf_, kTagSource);
  put_u8(buf_, liveness);
  ++records_;
}

std::string_view EventsEncoder::finish() {
  const std::uint64_t last = first_seq_ + events_ - 1;
  const std::size_t at = 2 + 8;
  std::size_t varint_len = 1;
  for (std::uint64_t v = first_seq_; v >= 0x80U; v >>= 7U) ++varint_len;
  for (int i = 0; i < 8; ++i)
    buf_[at + varint_len + i] = static_cast<char>((last >> (8U * i)) & 0xFFU);
  for (int i = 0; i < 4; ++i) {
    buf_[at + varint_len + 8 + i] = static_cast<char>((records_ >> (8U * i)) & 0xFFU);
  }
  return buf_;
}

void encode_book(std::string& out, const BookRecord& b) {
  put_u8(out, kTagBook);
  put_varint(out, b.instrument);
  put_u8(out, b.full ? 1U : 0U);
  put_u8(out, b.status);
  put_u8(out, b.flags);
  put_u8(out, static_cast<std::uint8_t>(b.px_exp));
  put_u8(out, static_cast<std::uint8_t>(b.qty_exp));
  put_varint(out, b.version);
  put_varint(out, b.update_count);
  put_varint(out, b.base_update_count);
  put_signed(out, b.ts_exchange_ns);
  put_signed(out, b.ts_recv_ns);
  put_signed(out, b.ts_publish_ns);
  put_varint(out, b.ring_seq);
  put_levels(out, b.bids);
  put_levels(out, b.asks);
}

std::string encode_snapshot(const SnapshotHeader& h, const BookRecord& b,
                            const shm::Reference& reference) {
  std::string out;
  put_u8(out, kWireVersion);
  put_u8(out, static_cast<std::uint8_t>(MessageKind::snapshot));
  put_u64_le(out, h.generation);
  put_varint(out, h.position);
  put_varint(out, h.js_hint);
  encode_book(out, b);
  // The book's reference slot as the bridge last sent it (known 0: none).
  put_u8(out, reference.update_count > 0 ? 1U : 0U);
  if (reference.update_count > 0) put_reference(out, reference);
  return out;
}

std::string encode_positions(const PositionsSnapshot& s) {
  std::string out;
  put_u8(out, kWireVersion);
  put_u8(out, static_cast<std::uint8_t>(MessageKind::positions));
  put_u64_le(out, s.header.generation);
  put_varint(out, s.header.position);
  put_varint(out, s.header.js_hint);
  put_varint(out, s.slots.size());
  for (const shm::Position& p : s.slots) put_position(out, p);
  return out;
}

std::string encode_venue_info(const VenueInfo& v) {
  std::string out;
  put_u8(out, kWireVersion);
  put_u8(out, static_cast<std::uint8_t>(MessageKind::venue_info));
  put_u64_le(out, v.generation);
  put_varint(out, v.depth);
  put_varint(out, v.ring_capacity);
  put_varint(out, v.position_capacity);
  put_varint(out, v.symbols.size());
  for (const auto& s : v.symbols) put_text(out, s);
  return out;
}

std::string encode_instance_info(const std::vector<std::string>& venues) {
  std::string out;
  put_u8(out, kWireVersion);
  put_u8(out, static_cast<std::uint8_t>(MessageKind::instance_info));
  put_varint(out, venues.size());
  for (const auto& s : venues) put_text(out, s);
  return out;
}

// ---- decoding ----------------------------------------------------------------------

bool peek_kind(std::string_view msg, MessageKind& kind) noexcept {
  if (msg.size() < 2 || static_cast<std::uint8_t>(msg[0]) != kWireVersion) return false;
  kind = static_cast<MessageKind>(static_cast<std::uint8_t>(msg[1]));
  return true;
}

namespace {
bool get_events_header(Cursor& c, EventsHeader& h, std::uint32_t& records) noexcept {
  if (!expect_head(c, MessageKind::events)) return false;
  h.generation = c.u64_le();
  h.first_seq = c.varint();
  h.last_seq = c.u64_le();
  records = 0;
  for (int i = 0; i < 4; ++i) records |= static_cast<std::uint32_t>(c.u8()) << (8U * i);
  return c.ok() && h.last_seq + 1 >= h.first_seq;
}
}  // namespace

bool decode_events_header(std::string_view msg, EventsHeader& h) noexcept {
  Cursor c(msg);
  std::uint32_t records = 0;
  return get_events_header(c, h, records);
}

bool decode_events(std::string_view msg, EventsHeader& h, EventsVisitor& v, BookRecord& scratch) {
  Cursor c(msg);
  std::uint32_t records = 0;
  if (!get_events_header(c, h, records)) return false;
  std::uint32_t seen = 0;
  shm::Event prev{};
  shm::Event ev{};
  std::uint64_t seq = h.first_seq;
  PositionRecord position;
  ReferenceRecord reference;
  // The previous record was a POSITION or REFERENCE with_event: its event
  // type and slot, which must come next (the mirror wrote the slot for it).
  std::uint8_t announced_type = 0;
  std::uint32_t announced_slot = 0;
  while (!c.done()) {
    ++seen;
    const std::uint8_t tag = c.u8();
    if (announced_type != 0) {
      if (tag != announced_type) return false;
      announced_type = 0;
      if (seq > h.last_seq || !get_event(c, tag, prev, ev) || ev.instrument != announced_slot) {
        return false;
      }
      ev.seq = seq++;
      v.on_event(ev);
    } else if (is_event_tag(tag)) {
      if (seq > h.last_seq || !get_event(c, tag, prev, ev)) return false;
      ev.seq = seq++;
      v.on_event(ev);
    } else if (tag == kTagPosition) {
      if (!get_position_record(c, position)) return false;
      if (position.with_event) {
        announced_type = static_cast<std::uint8_t>(shm::EventType::position);
        announced_slot = position.slot;
      }
      v.on_position(position);
    } else if (tag == kTagReference) {
      if (!get_reference_record(c, reference)) return false;
      if (reference.with_event) {
        announced_type = static_cast<std::uint8_t>(shm::EventType::reference);
        announced_slot = reference.instrument;
      }
      v.on_reference(reference);
    } else if (tag == kTagBook) {
      if (!get_book(c, scratch)) return false;
      v.on_book(scratch);
    } else if (tag == kTagReset) {
      const auto reason = static_cast<ResetReason>(c.u8());
      const std::uint64_t lost = c.varint();
      if (!c.ok()) return false;
      v.on_reset(reason, lost);
    } else if (tag == kTagSource) {
      const std::uint8_t live = c.u8();
      if (!c.ok()) return false;
      v.on_source(live);
    } else {
      return false;
    }
  }
  return announced_type == 0 && seq == h.last_seq + 1 && seen == records;
}

bool decode_snapshot(std::string_view msg, SnapshotHeader& h, BookRecord& b,
                     shm::Reference& reference) {
  Cursor c(msg);
  if (!expect_head(c, MessageKind::snapshot)) return false;
  h.generation = c.u64_le();
  h.position = c.varint();
  h.js_hint = c.varint();
  if (!c.ok() || c.u8() != kTagBook || !get_book(c, b)) return false;
  reference = shm::Reference{};
  const std::uint8_t has_reference = c.u8();
  if (!c.ok() || has_reference > 1) return false;
  if (has_reference == 1 && !get_fields<shm::ReferenceField, shm::kReferenceFields>(c, reference)) {
    return false;
  }
  return c.done();
}

bool decode_positions(std::string_view msg, PositionsSnapshot& s) {
  Cursor c(msg);
  if (!expect_head(c, MessageKind::positions)) return false;
  s.header.generation = c.u64_le();
  s.header.position = c.varint();
  s.header.js_hint = c.varint();
  const std::uint64_t n = c.count(kMinPositionBytes);
  if (!c.ok() || n > shm::kMaxPositions) return false;
  s.slots.resize(n);
  for (shm::Position& p : s.slots) {
    if (!get_position(c, p)) return false;
  }
  return c.done();
}

std::string describe_rejection(std::string_view msg) {
  if (msg.size() < 2)
    return "shorter than the 2-byte head (" + std::to_string(msg.size()) + " bytes)";
  const auto version = static_cast<unsigned>(static_cast<std::uint8_t>(msg[0]));
  if (version != kWireVersion) {
    return "wire version " + std::to_string(version) + ", expected " + std::to_string(kWireVersion);
  }
  const auto kind = static_cast<unsigned>(static_cast<std::uint8_t>(msg[1]));
  if (kind < static_cast<unsigned>(MessageKind::events) ||
      kind > static_cast<unsigned>(MessageKind::positions)) {
    return "unknown message kind " + std::to_string(kind);
  }
  return "truncated or malformed (" + std::to_string(msg.size()) + " bytes)";
}

bool decode_venue_info(std::string_view msg, VenueInfo& v) {
  Cursor c(msg);
  if (!expect_head(c, MessageKind::venue_info)) return false;
  v.generation = c.u64_le();
  v.depth = c.u32_varint();
  v.ring_capacity = c.u32_varint();
  v.position_capacity = c.u32_varint();
  const std::uint64_t n = c.count(1);
  v.symbols.clear();
  for (std::uint64_t k = 0; k < n && c.ok(); ++k) v.symbols.push_back(c.text());
  return c.ok() && c.done();
}

bool decode_instance_info(std::string_view msg, std::vector<std::string>& venues) {
  Cursor c(msg);
  if (!expect_head(c, MessageKind::instance_info)) return false;
  const std::uint64_t n = c.count(1);
  venues.clear();
  for (std::uint64_t k = 0; k < n && c.ok(); ++k) venues.push_back(c.text());
  return c.ok() && c.done();
}

// ---- differences ---------------------------------------------------------------------

namespace {
// True when price a ranks before price b on the side.
bool before(std::int64_t a, std::int64_t b, bool ask) noexcept {
  return ask ? a < b : a > b;
}
}  // namespace

void diff_side(std::span<const shm::Level> was, std::span<const shm::Level> now, bool ask,
               std::vector<shm::Level>& out) {
  out.clear();
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < was.size() || j < now.size()) {
    if (j == now.size() || (i < was.size() && before(was[i].px, now[j].px, ask))) {
      out.push_back(shm::Level{was[i++].px, 0});  // gone
    } else if (i == was.size() || before(now[j].px, was[i].px, ask)) {
      out.push_back(now[j++]);  // new
    } else {
      if (was[i].qty != now[j].qty) out.push_back(now[j]);
      ++i;
      ++j;
    }
  }
}

void apply_side(std::vector<shm::Level>& side, std::span<const shm::Level> changes, bool ask,
                std::vector<shm::Level>& scratch) {
  scratch.clear();
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < side.size() || j < changes.size()) {
    if (j == changes.size() || (i < side.size() && before(side[i].px, changes[j].px, ask))) {
      scratch.push_back(side[i++]);
    } else {
      const bool same = i < side.size() && side[i].px == changes[j].px;
      if (changes[j].qty != 0) scratch.push_back(changes[j]);
      ++j;
      if (same) ++i;
    }
  }
  side.swap(scratch);
}

}  // namespace wirebook::nats
