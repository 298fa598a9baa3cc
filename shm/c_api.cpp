// C ABI over the header-only C++ reader (libwirebook_reader.so).
// Only the wb_* symbols are exported (-fvisibility=hidden + WB_API).
#include <cstring>
#include <new>

#include <wirebook/reader.h>
#include <wirebook/consolidated_reader.hpp>
#include <wirebook/reader.hpp>

#define WB_API extern "C" __attribute__((visibility("default")))

namespace shm = wirebook::shm;

struct wb_venue {
  shm::VenueReader reader;
};
struct wb_instance {
  shm::InstanceReader reader;
};
struct wb_consolidated {
  shm::ConsolidatedReader reader;
};

static_assert(static_cast<int>(shm::OpenError::io_error) == WB_ERR_IO);
static_assert(static_cast<int>(shm::Liveness::missing) == WB_GONE);
static_assert(static_cast<int>(shm::ReadResult::busy) == WB_READ_BUSY);
static_assert(static_cast<int>(shm::PollResult::reset) == WB_POLL_RESET);
static_assert(sizeof(wb_level) == sizeof(shm::Level));
static_assert(sizeof(wb_event) == sizeof(shm::Event));
static_assert(WB_LAYOUT_MAJOR == shm::kLayoutMajor);
static_assert(WB_POS_FIELDS == shm::kPositionFields);
static_assert(sizeof(wb_position::instrument) == shm::kSymbolLen);
static_assert(WB_EV_POSITION == static_cast<int>(shm::EventType::position));
static_assert(WB_EV_REFERENCE == static_cast<int>(shm::EventType::reference));
static_assert(WB_REF_FIELDS == shm::kReferenceFields);
static_assert(sizeof(wb_reference::instrument) == shm::kSymbolLen);
static_assert(WB_MAX_MEMBERS == shm::kMaxConsolidatedMembers);
static_assert(WB_NO_MEMBER == shm::ConsolidatedBbo::kNone);

namespace {

void to_c(const shm::Bbo& b, wb_bbo& o) noexcept {
  o.status = static_cast<std::uint8_t>(b.status);
  o.flags = b.flags;
  o.px_exp = b.px_exp;
  o.qty_exp = b.qty_exp;
  o.bid_count = b.bid_count;
  o.ask_count = b.ask_count;
  o.version = b.version;
  o.ts_exchange_ns = b.ts_exchange_ns;
  o.bid = wb_level{b.bid.px, b.bid.qty};
  o.ask = wb_level{b.ask.px, b.ask.qty};
  o.writer_ok = b.writer_ok ? 1 : 0;
  o.trusted = b.trusted() ? 1 : 0;
}

// The wb_*_open functions: a new handle whose reader `open_reader` opens, or
// the error (the handle freed). Nothing throws across the C ABI.
template <class Handle, class OpenReader>
int open_handle(Handle** out, OpenReader&& open_reader) noexcept {
  *out = nullptr;
  try {
    auto* h = new Handle();
    const shm::OpenError e = open_reader(h->reader);
    if (e != shm::OpenError::ok) {
      delete h;
      return static_cast<int>(e);
    }
    *out = h;
    return WB_OK;
  } catch (const std::bad_alloc&) {
    return WB_ERR_NO_MEMORY;
  } catch (...) {
    return WB_ERR_IO;
  }
}

}  // namespace

WB_API const char* wb_error_string(int error) {
  if (error == WB_ERR_INVALID_ARGUMENT) return "invalid argument";
  if (error == WB_ERR_NO_MEMORY) return "out of memory";
  if (error < 0 || error > WB_ERR_IO) return "unknown error";
  return shm::to_string(static_cast<shm::OpenError>(error));
}

WB_API const char* wb_status_string(int status) {
  if (status < 0 || status > WB_DISCONNECTED) return "unknown";
  return shm::to_string(static_cast<shm::Status>(status));
}

WB_API const char* wb_liveness_string(int liveness) {
  if (liveness < 0 || liveness > WB_GONE) return "unknown";
  return shm::to_string(static_cast<shm::Liveness>(liveness));
}

WB_API uint32_t wb_default_dir(const char* instance, char* buf, uint32_t cap) {
  if (instance == nullptr) return 0;
  try {
    const std::string d = shm::instance_dir(instance);
    if (buf != nullptr && cap > 0) {
      const std::size_t n = d.size() < cap - 1 ? d.size() : cap - 1;
      std::memcpy(buf, d.data(), n);
      buf[n] = '\0';
    }
    return static_cast<uint32_t>(d.size() + 1);
  } catch (...) {
    return 0;
  }
}

WB_API int wb_venue_open(const char* dir, const char* venue, int64_t expected_uid, wb_venue** out) {
  if (dir == nullptr || venue == nullptr || out == nullptr) return WB_ERR_INVALID_ARGUMENT;
  shm::ReaderOptions opt;
  opt.expected_uid = expected_uid;
  return open_handle(
      out, [&](shm::VenueReader& r) { return shm::VenueReader::open(dir, venue, r, opt); });
}

WB_API void wb_venue_close(wb_venue* v) {
  delete v;
}

WB_API uint32_t wb_instrument_count(const wb_venue* v) {
  return v->reader.instrument_count();
}
WB_API uint32_t wb_depth(const wb_venue* v) {
  return v->reader.depth();
}
WB_API const char* wb_symbol(const wb_venue* v, uint32_t i) {
  return v->reader.symbol(i);
}
WB_API uint32_t wb_find(const wb_venue* v, const char* symbol) {
  return symbol == nullptr ? v->reader.instrument_count() : v->reader.find(symbol);
}
WB_API uint64_t wb_generation(const wb_venue* v) {
  return v->reader.generation();
}

WB_API int wb_read_bbo(const wb_venue* v, uint32_t instrument, wb_bbo* out) {
  shm::Bbo b;
  const shm::ReadResult r = v->reader.read_bbo(instrument, b);
  if (r == shm::ReadResult::ok) to_c(b, *out);
  return static_cast<int>(r);
}

WB_API int wb_read_book(const wb_venue* v, uint32_t instrument, wb_book* out, wb_level* bids,
                        wb_level* asks, uint32_t max_levels) {
  if ((bids == nullptr || asks == nullptr) && max_levels > 0) return WB_READ_BAD_INSTRUMENT;
  shm::BookView b;
  const shm::ReadResult r = v->reader.read_book(instrument, b, reinterpret_cast<shm::Level*>(bids),
                                                reinterpret_cast<shm::Level*>(asks), max_levels);
  if (r == shm::ReadResult::ok) {
    to_c(b.top, out->top);
    out->ts_recv_ns = b.ts_recv_ns;
    out->ts_publish_ns = b.ts_publish_ns;
    out->update_count = b.update_count;
    out->ring_seq = b.ring_seq;
    out->bids = b.bids;
    out->asks = b.asks;
  }
  return static_cast<int>(r);
}

WB_API uint32_t wb_position_capacity(const wb_venue* v) {
  return v->reader.position_capacity();
}
WB_API uint32_t wb_position_count(const wb_venue* v) {
  return v->reader.position_count();
}
WB_API uint32_t wb_find_position(const wb_venue* v, const char* instrument) {
  return instrument == nullptr ? v->reader.position_capacity()
                               : v->reader.find_position(instrument);
}

namespace {
// wb_position / wb_reference from the reader's value (the C struct holds
// only its own fields).
template <class C, class Field>
void fields_to_c(const shm::FieldValues<Field>& v, C& o) noexcept {
  constexpr std::size_t kFields = sizeof o.value / sizeof o.value[0];
  static_assert(kFields <= shm::kSlotFields && sizeof o.instrument == shm::kSymbolLen);
  std::memcpy(o.instrument, v.instrument, sizeof o.instrument);
  o.known = static_cast<std::uint16_t>(v.known & ((1U << kFields) - 1U));
  for (std::size_t f = 0; f < kFields; ++f) {
    o.exp[f] = v.exp[f];
    o.value[f] = v.value[f];
  }
  o.ts_exchange_ns = v.ts_exchange_ns;
  o.ts_recv_ns = v.ts_recv_ns;
  o.ts_publish_ns = v.ts_publish_ns;
  o.update_count = v.update_count;
  o.ring_seq = v.ring_seq;
  o.writer_ok = v.writer_ok ? 1 : 0;
}
}  // namespace

WB_API int wb_read_position(const wb_venue* v, uint32_t slot, wb_position* out) {
  shm::Position p;
  const shm::ReadResult r = v->reader.read_position(slot, p);
  if (r == shm::ReadResult::ok) fields_to_c(p, *out);
  return static_cast<int>(r);
}

WB_API int wb_read_reference(const wb_venue* v, uint32_t instrument, wb_reference* out) {
  shm::Reference ref;
  const shm::ReadResult r = v->reader.read_reference(instrument, ref);
  if (r == shm::ReadResult::ok) fields_to_c(ref, *out);
  return static_cast<int>(r);
}

WB_API const char* wb_reference_field_name(int field) {
  if (field < 0 || field >= WB_REF_FIELDS) return "unknown";
  return shm::to_string(static_cast<shm::ReferenceField>(field));
}

WB_API const char* wb_position_field_name(int field) {
  if (field < 0 || field >= WB_POS_FIELDS) return "unknown";
  return shm::to_string(static_cast<shm::PositionField>(field));
}

WB_API uint64_t wb_ring_head(const wb_venue* v) {
  return v->reader.ring_head();
}

WB_API wb_cursor wb_cursor_at_head(const wb_venue* v) {
  const shm::RingCursor c = v->reader.cursor_at_head();
  return wb_cursor{c.next, c.generation};
}

WB_API wb_cursor wb_cursor_from(const wb_venue* v, uint64_t seq) {
  const shm::RingCursor c = v->reader.cursor_from(seq);
  return wb_cursor{c.next, c.generation};
}

WB_API uint32_t wb_ring_capacity(const wb_venue* v) {
  return v->reader.ring_capacity();
}

WB_API int wb_poll(const wb_venue* v, wb_cursor* c, wb_event* ev, uint64_t* lost) {
  shm::RingCursor rc{c->next, c->generation};
  shm::Event e;
  std::uint64_t l = 0;
  const shm::PollResult r = v->reader.poll(rc, e, l);
  c->next = rc.next;
  c->generation = rc.generation;
  if (lost != nullptr) *lost = l;
  if (r == shm::PollResult::event) {
    ev->seq = e.seq;
    ev->type = static_cast<uint8_t>(e.type);
    ev->side = e.side;
    ev->px_exp = e.px_exp;
    ev->qty_exp = e.qty_exp;
    ev->instrument = e.instrument;
    ev->ts_exchange_ns = e.ts_exchange_ns;
    ev->ts_recv_ns = e.ts_recv_ns;
    ev->px = e.px;
    ev->qty = e.qty;
    ev->aux0 = e.aux0;
    ev->aux1 = e.aux1;
  }
  return static_cast<int>(r);
}

WB_API int wb_venue_refresh(wb_venue* v) {
  return static_cast<int>(v->reader.refresh());
}

WB_API int wb_instance_open(const char* dir, wb_instance** out) {
  if (dir == nullptr || out == nullptr) return WB_ERR_INVALID_ARGUMENT;
  return open_handle(out,
                     [&](shm::InstanceReader& r) { return shm::InstanceReader::open(dir, r); });
}

WB_API void wb_instance_close(wb_instance* in) {
  delete in;
}
WB_API uint32_t wb_venue_count(const wb_instance* in) {
  return in->reader.venue_count();
}
WB_API const char* wb_venue_name(const wb_instance* in, uint32_t i) {
  return in->reader.venue_name(i);
}
WB_API int wb_instance_refresh(wb_instance* in) {
  try {
    (void)in->reader.refresh();
  } catch (...) {
    // Out of memory while re-attaching: keep the old mapping.
  }
  return static_cast<int>(in->reader.liveness());
}

namespace {

void to_c(const shm::MemberTop& m, wb_member& o) noexcept {
  o.status = static_cast<std::uint8_t>(m.status);
  o.flags = m.flags;
  o.px_exp = m.px_exp;
  o.qty_exp = m.qty_exp;
  o.bid_count = m.bid_count;
  o.ask_count = m.ask_count;
  o.bid = wb_level{m.bid.px, m.bid.qty};
  o.ask = wb_level{m.ask.px, m.ask.qty};
  o.ts_exchange_ns = m.ts_exchange_ns;
  o.ts_recv_ns = m.ts_recv_ns;
  o.ts_publish_ns = m.ts_publish_ns;
  o.update_count = m.update_count;
  o.writer_ok = m.writer_ok ? 1 : 0;
  o.trusted = m.trusted() ? 1 : 0;
}

}  // namespace

WB_API int wb_consolidated_open(const char* dir, int64_t expected_uid, wb_consolidated** out) {
  if (dir == nullptr || out == nullptr) return WB_ERR_INVALID_ARGUMENT;
  shm::ReaderOptions opt;
  opt.expected_uid = expected_uid;
  return open_handle(
      out, [&](shm::ConsolidatedReader& r) { return shm::ConsolidatedReader::open(dir, r, opt); });
}

WB_API void wb_consolidated_close(wb_consolidated* c) {
  delete c;
}
WB_API uint32_t wb_consolidated_name_count(const wb_consolidated* c) {
  return c->reader.name_count();
}
WB_API const char* wb_consolidated_name(const wb_consolidated* c, uint32_t name) {
  return c->reader.name(name);
}
WB_API uint32_t wb_consolidated_find(const wb_consolidated* c, const char* name) {
  return name == nullptr ? c->reader.name_count() : c->reader.find(name);
}
WB_API uint32_t wb_consolidated_member_count(const wb_consolidated* c, uint32_t name) {
  return c->reader.member_count(name);
}
WB_API const char* wb_consolidated_member_venue(const wb_consolidated* c, uint32_t name,
                                                uint32_t k) {
  return c->reader.member_venue(name, k);
}
WB_API const char* wb_consolidated_member_symbol(const wb_consolidated* c, uint32_t name,
                                                 uint32_t k) {
  return c->reader.member_symbol(name, k);
}

WB_API int wb_consolidated_read(const wb_consolidated* c, uint32_t name, wb_consolidated_bbo* out) {
  shm::ConsolidatedBbo b;
  const shm::ReadResult r = c->reader.read(name, b);
  if (r != shm::ReadResult::ok) return static_cast<int>(r);
  out->members = b.members;
  out->best_bid = b.best_bid;
  out->best_ask = b.best_ask;
  for (std::uint32_t k = 0; k < b.members; ++k) to_c(b.member[k], out->member[k]);
  return WB_READ_OK;
}

WB_API int wb_consolidated_refresh(wb_consolidated* c) {
  return static_cast<int>(c->reader.refresh());
}
