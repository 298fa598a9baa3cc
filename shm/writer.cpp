// VenueWriter / ControlWriter: the hot publishing paths.
//
// Seqlock, writer half (DESIGN §6). For a slot copy and for a ring record:
//   (W1) store seq = odd (relaxed)
//   (W2) release fence            -- pairs with the reader's acquire fence (R3)
//   (W3) data stores (relaxed)
//   (W4) store seq = even (release) -- pairs with the reader's acquire load (R1)
// Reader half (wirebook/reader.hpp): (R1) acquire load of seq, (R2) relaxed
// data loads, (R3) acquire fence, (R4) relaxed re-load of seq; a changed seq
// means the copy was torn and is discarded. If a reader's data load observes
// any (W3) store, (W2) synchronises with (R3), so (R4) sees the odd seq (W1) or
// later: a torn copy is always detected.
#include "shm/writer.hpp"

#include <algorithm>
#include <cstring>

#include "book/l2_book.hpp"
#include "shm/prefetch.hpp"
#include "shm/segment_names.hpp"

namespace wirebook::shm {
namespace {

using detail::store;
constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr auto kRelease = std::memory_order_release;

using detail::copy_name;
using detail::kPage;
using detail::valid_name;

struct VenueGeometry {
  std::uint64_t instruments_off, instruments_size, slots_off, slots_size, ring_off, ring_size,
      positions_off, positions_size, references_off, references_size, total;
  std::uint64_t copy_stride;
};

VenueGeometry venue_geometry(const VenueConfig& c) noexcept {
  VenueGeometry g{};
  const auto n = static_cast<std::uint64_t>(c.symbols.size());
  g.copy_stride = slot_copy_stride(c.depth);
  g.instruments_off = sizeof(SegmentHeader);
  g.instruments_size = round_up_block(n * sizeof(InstrumentInfo));
  g.slots_off = g.instruments_off + g.instruments_size;
  g.slots_size = n * 2 * g.copy_stride;
  g.ring_off = g.slots_off + g.slots_size;
  g.ring_size = static_cast<std::uint64_t>(c.ring_capacity) * sizeof(RingRecord);
  g.positions_off = g.ring_off + g.ring_size;
  g.positions_size = static_cast<std::uint64_t>(c.position_capacity) * kPositionSlotStride;
  g.references_off = g.positions_off + g.positions_size;
  g.references_size = n * kReferenceSlotStride;
  g.total = (g.references_off + g.references_size + kPage - 1) / kPage * kPage;
  return g;
}

struct VenueFill {
  const VenueConfig* config;
  VenueGeometry geo;
};

void fill_venue(char* base, void* ctx) {
  const auto& f = *static_cast<VenueFill*>(ctx);
  auto* h = reinterpret_cast<SegmentHeader*>(base);
  copy_name(h->name, kNameLen, f.config->name);
  h->instrument_count = static_cast<std::uint32_t>(f.config->symbols.size());
  h->depth = f.config->depth;
  h->ring_capacity = f.config->ring_capacity;
  h->sections[kSecInstruments] = Section{f.geo.instruments_off, f.geo.instruments_size,
                                         h->instrument_count, sizeof(InstrumentInfo), 0};
  h->sections[kSecSlots] = Section{f.geo.slots_off, f.geo.slots_size, h->instrument_count,
                                   static_cast<std::uint32_t>(2 * f.geo.copy_stride), 0};
  h->sections[kSecRing] =
      Section{f.geo.ring_off, f.geo.ring_size, f.config->ring_capacity, sizeof(RingRecord), 0};
  h->position_capacity = f.config->position_capacity;
  h->sections[kSecPositions] = Section{f.geo.positions_off, f.geo.positions_size,
                                       f.config->position_capacity, kPositionSlotStride, 0};
  h->sections[kSecReferences] = Section{f.geo.references_off, f.geo.references_size,
                                        h->instrument_count, kReferenceSlotStride, 0};
  h->state = static_cast<std::uint32_t>(SegmentState::init);
  auto* inst = reinterpret_cast<InstrumentInfo*>(base + f.geo.instruments_off);
  for (std::uint32_t i = 0; i < h->instrument_count; ++i) {
    copy_name(inst[i].symbol, kSymbolLen, f.config->symbols[i]);
    inst[i].index = i;
  }
}

}  // namespace

const char* to_string(CreateError e) noexcept {
  switch (e) {
    case CreateError::ok:
      return "ok";
    case CreateError::bad_config:
      return "invalid segment configuration";
    case CreateError::bad_directory:
      return "unsafe or unusable segment directory";
    case CreateError::target_exists:
      return "a foreign file already exists at the segment path";
    case CreateError::target_is_symlink:
      return "a symlink exists at the segment path";
    case CreateError::writer_active:
      return "another live writer owns the segment";
    case CreateError::io_error:
      return "system call failed";
  }
  return "unknown";
}

CreateStatus VenueWriter::create(const SegmentOptions& options, const VenueConfig& config,
                                 std::unique_ptr<VenueWriter>& out) {
  if (!valid_name(config.name, kNameLen))
    return {CreateError::bad_config, 0, "bad venue name '" + config.name + "'"};
  if (config.depth == 0 || config.depth > kMaxDepth)
    return {CreateError::bad_config, 0, "depth out of range"};
  if (config.ring_capacity < kMinRingCapacity || config.ring_capacity > kMaxRingCapacity ||
      !is_pow2(config.ring_capacity)) {
    return {CreateError::bad_config, 0, "ring capacity must be a power of two in [2, 2^26]"};
  }
  if (config.position_capacity > kMaxPositions)
    return {CreateError::bad_config, 0, "position capacity out of range"};
  if (config.symbols.size() > kMaxInstruments)
    return {CreateError::bad_config, 0, "too many symbols"};
  for (const auto& s : config.symbols) {
    if (s.empty() || s.size() >= kSymbolLen)
      return {CreateError::bad_config, 0, "bad symbol '" + s + "'"};
  }
  std::unique_ptr<VenueWriter> w(new VenueWriter());
  VenueFill fill{&config, venue_geometry(config)};
  CreateStatus st = w->seg_.create(options, kVenueFilePrefix + config.name, SegmentKind::venue,
                                   fill.geo.total, &fill_venue, &fill);
  if (!st.ok()) return st;
  w->hdr_ = reinterpret_cast<SegmentHeader*>(w->seg_.base());
  w->slots_ = w->seg_.base() + fill.geo.slots_off;
  w->ring_ = reinterpret_cast<RingRecord*>(w->seg_.base() + fill.geo.ring_off);
  w->positions_.base = w->seg_.base() + fill.geo.positions_off;
  w->positions_.publications.assign(config.position_capacity, 0);
  w->references_.base = w->seg_.base() + fill.geo.references_off;
  w->references_.publications.assign(config.symbols.size(), 0);
  w->instruments_ =
      reinterpret_cast<const InstrumentInfo*>(w->seg_.base() + fill.geo.instruments_off);
  w->copy_stride_ = fill.geo.copy_stride;
  w->ring_mask_ = config.ring_capacity - 1;
  w->instrument_count_ = static_cast<std::uint32_t>(config.symbols.size());
  w->depth_ = config.depth;
  w->position_capacity_ = config.position_capacity;
  w->publications_.assign(config.symbols.size(), 0);
  out = std::move(w);
  return st;
}

VenueWriter::~VenueWriter() = default;

std::uint64_t VenueWriter::generation() const noexcept {
  return hdr_->generation;
}

char* VenueWriter::copy_base(std::uint32_t instrument, std::uint64_t publication) const noexcept {
  return slots_ + (2ULL * instrument + (publication & 1U)) * copy_stride_;
}

void VenueWriter::warm() const noexcept {
  for (std::uint32_t i = 0; i < instrument_count_; ++i) {
    prefetch_for_write(copy_base(i, publications_[i] + 1), copy_stride_);
  }
  for (std::uint64_t k = 1; k <= kRingPrefetch; ++k) {
    __builtin_prefetch(&ring_[(head_ + k) & ring_mask_], 1, 3);
  }
}

// Rewrites the older copy of `instrument` (the one not holding the latest
// publication), so a reader of the newer copy is never disturbed and a writer
// preempted mid-copy never stalls readers. `bid0`/`ask0` are the best levels
// (ignored when the side is empty); write_levels(bids, asks) stores the level
// arrays into the copy with relaxed atomic stores.
template <class WriteLevels>
void VenueWriter::write_copy(std::uint32_t instrument, const BookMeta& meta, std::uint32_t n_bids,
                             std::uint32_t n_asks, Level bid0, Level ask0, WriteLevels write_levels,
                             std::uint64_t version) noexcept {
  const std::uint64_t n = ++publications_[instrument];
  char* base = copy_base(instrument, n);
  auto* top = reinterpret_cast<SlotTop*>(base);
  auto* m = reinterpret_cast<SlotMeta*>(base + sizeof(SlotTop));
  auto* lv = reinterpret_cast<Level*>(base + sizeof(SlotCopyHead));
  if (n_bids == 0) bid0 = Level{0, 0};
  if (n_asks == 0) ask0 = Level{0, 0};
  std::uint8_t flags = meta.flags;
  if (n_bids > 0 && n_asks > 0 && bid0.px >= ask0.px) flags |= kFlagCrossed;

  seqlock_write(top->seq, n, [&]() noexcept {
    store(top->status, static_cast<std::uint8_t>(meta.status), kRelaxed);
    store(top->flags, flags, kRelaxed);
    store(top->px_exp, meta.px_exp, kRelaxed);
    store(top->qty_exp, meta.qty_exp, kRelaxed);
    store(top->bid_count, static_cast<std::uint16_t>(n_bids), kRelaxed);
    store(top->ask_count, static_cast<std::uint16_t>(n_asks), kRelaxed);
    store(top->version, version, kRelaxed);
    store(top->ts_exchange_ns, meta.ts_exchange_ns, kRelaxed);
    store(top->best_bid_px, bid0.px, kRelaxed);
    store(top->best_bid_qty, bid0.qty, kRelaxed);
    store(top->best_ask_px, ask0.px, kRelaxed);
    store(top->best_ask_qty, ask0.qty, kRelaxed);
    store(m->ts_recv_ns, meta.ts_recv_ns, kRelaxed);
    store(m->ts_publish_ns, meta.ts_publish_ns, kRelaxed);
    store(m->update_count, meta.update_count != 0 ? meta.update_count : n, kRelaxed);
    store(m->ring_seq, head_, kRelaxed);
    write_levels(lv, lv + depth_);
  });
}

namespace {
inline void store_level(Level& dst, const Level& l) noexcept {
  store(dst.px, l.px, kRelaxed);
  store(dst.qty, l.qty, kRelaxed);
}
}  // namespace

PublishResult VenueWriter::publish_levels(std::uint32_t instrument, const BookMeta& meta,
                                          std::span<const Level> bids, std::span<const Level> asks,
                                          std::uint64_t version) noexcept {
  if (instrument >= instrument_count_) return PublishResult::bad_instrument;
  if (static_cast<std::uint8_t>(meta.status) > static_cast<std::uint8_t>(Status::disconnected)) {
    return PublishResult::bad_status;
  }
  const auto nb = static_cast<std::uint32_t>(bids.size() < depth_ ? bids.size() : depth_);
  const auto na = static_cast<std::uint32_t>(asks.size() < depth_ ? asks.size() : depth_);
  write_copy(
      instrument, meta, nb, na, nb > 0 ? bids[0] : Level{}, na > 0 ? asks[0] : Level{},
      [&](Level* b, Level* a) noexcept {
        for (std::uint32_t k = 0; k < nb; ++k) store_level(b[k], bids[k]);
        for (std::uint32_t k = 0; k < na; ++k) store_level(a[k], asks[k]);
      },
      version);
  return PublishResult::ok;
}

PublishResult VenueWriter::publish(std::uint32_t instrument, const book::L2Book& book,
                                   const BookMeta& meta) noexcept {
  if (instrument >= instrument_count_) return PublishResult::bad_instrument;
  if (static_cast<std::uint8_t>(meta.status) > static_cast<std::uint8_t>(Status::disconnected)) {
    return PublishResult::bad_status;
  }
  const auto nb =
      static_cast<std::uint32_t>(std::min<std::size_t>(book.level_count(book::Side::bid), depth_));
  const auto na =
      static_cast<std::uint32_t>(std::min<std::size_t>(book.level_count(book::Side::ask), depth_));
  book::Level b0{};
  book::Level a0{};
  (void)book.best(book::Side::bid, b0);
  (void)book.best(book::Side::ask, a0);
  BookMeta m = meta;
  if (book.truncated()) m.flags |= kFlagTruncated;
  // Straight from the book into the slot: no intermediate copy.
  write_copy(
      instrument, m, nb, na, Level{b0.px, b0.qty}, Level{a0.px, a0.qty},
      [&](Level* b, Level* a) noexcept {
        book.visit_top(book::Side::bid, nb, [b](std::size_t k, const book::Level& l) noexcept {
          store_level(b[k], Level{l.px, l.qty});
        });
        book.visit_top(book::Side::ask, na, [a](std::size_t k, const book::Level& l) noexcept {
          store_level(a[k], Level{l.px, l.qty});
        });
      },
      book.version());
  return PublishResult::ok;
}

PublishResult VenueWriter::set_status(std::uint32_t instrument, Status status,
                                      std::int64_t ts_publish_ns) noexcept {
  if (instrument >= instrument_count_) return PublishResult::bad_instrument;
  if (static_cast<std::uint8_t>(status) > static_cast<std::uint8_t>(Status::disconnected)) {
    return PublishResult::bad_status;
  }
  using detail::load;
  // The latest copy is ours: only this thread writes it, so plain relaxed
  // loads see our own last stores.
  const char* prev = copy_base(instrument, publications_[instrument]);
  const auto* top = reinterpret_cast<const SlotTop*>(prev);
  const auto* pm = reinterpret_cast<const SlotMeta*>(prev + sizeof(SlotTop));
  const auto* plv = reinterpret_cast<const Level*>(prev + sizeof(SlotCopyHead));
  const bool any = publications_[instrument] > 0;
  BookMeta meta;
  meta.status = status;
  meta.flags = any ? static_cast<std::uint8_t>(load(top->flags, kRelaxed) & ~kFlagCrossed) : 0;
  meta.px_exp = any ? load(top->px_exp, kRelaxed) : std::int8_t{0};
  meta.qty_exp = any ? load(top->qty_exp, kRelaxed) : std::int8_t{0};
  meta.ts_exchange_ns = any ? load(top->ts_exchange_ns, kRelaxed) : 0;
  meta.ts_recv_ns = any ? load(pm->ts_recv_ns, kRelaxed) : 0;
  meta.ts_publish_ns = ts_publish_ns;
  const std::uint32_t nb = any ? load(top->bid_count, kRelaxed) : 0;
  const std::uint32_t na = any ? load(top->ask_count, kRelaxed) : 0;
  const std::uint64_t version = any ? load(top->version, kRelaxed) : 0;
  const std::uint32_t depth = depth_;
  Event ev;
  ev.type = EventType::status;
  ev.instrument = instrument;
  ev.px_exp = meta.px_exp;
  ev.qty_exp = meta.qty_exp;
  ev.ts_recv_ns = ts_publish_ns;
  ev.aux0 = static_cast<std::int64_t>(status);
  ev.aux1 = meta.flags;
  append(ev);
  const auto level_at = [&](std::uint32_t k) noexcept {
    return Level{load(plv[k].px, kRelaxed), load(plv[k].qty, kRelaxed)};
  };
  write_copy(
      instrument, meta, nb, na, nb > 0 ? level_at(0) : Level{}, na > 0 ? level_at(depth) : Level{},
      [&](Level* b, Level* a) noexcept {
        for (std::uint32_t k = 0; k < nb; ++k) store_level(b[k], level_at(k));
        for (std::uint32_t k = 0; k < na; ++k) store_level(a[k], level_at(depth + k));
      },
      version);
  return PublishResult::ok;
}

PublishResult VenueWriter::publish_position(std::uint32_t slot, const Position& p) noexcept {
  if (slot >= position_capacity_ || p.instrument[0] == '\0') return PublishResult::bad_instrument;
  const std::uint64_t n = positions_.publications[slot] + 1;
  // The POSITION event follows the copy, so its seq is head_ + 1 (one writer).
  write_fields(positions_, slot, p, n, head_ + 1);
  append_fields_event(EventType::position, slot, p, n, PositionField::entry_price,
                      PositionField::quantity);
  return PublishResult::ok;
}

PublishResult VenueWriter::publish_position_replica(std::uint32_t slot, const Position& p,
                                                    bool announce) noexcept {
  if (slot >= position_capacity_ || p.instrument[0] == '\0') return PublishResult::bad_instrument;
  write_fields(positions_, slot, p, p.update_count, announce ? head_ + 1 : head_);
  if (announce) {
    append_fields_event(EventType::position, slot, p, p.update_count, PositionField::entry_price,
                        PositionField::quantity);
  }
  return PublishResult::ok;
}

PublishResult VenueWriter::publish_reference(std::uint32_t instrument,
                                             const Reference& r) noexcept {
  if (instrument >= instrument_count_) return PublishResult::bad_instrument;
  const std::uint64_t n = references_.publications[instrument] + 1;
  write_fields(references_, instrument, r, n, head_ + 1);
  append_fields_event(EventType::reference, instrument, r, n, ReferenceField::mark_price,
                      ReferenceField::index_price);
  return PublishResult::ok;
}

PublishResult VenueWriter::publish_reference_replica(std::uint32_t instrument, const Reference& r,
                                                     bool announce) noexcept {
  if (instrument >= instrument_count_) return PublishResult::bad_instrument;
  write_fields(references_, instrument, r, r.update_count, announce ? head_ + 1 : head_);
  if (announce) {
    append_fields_event(EventType::reference, instrument, r, r.update_count,
                        ReferenceField::mark_price, ReferenceField::index_price);
  }
  return PublishResult::ok;
}

// The instrument name of a reference slot is always its book's symbol, so it
// is taken from the instrument table, never from the caller.
template <class Field>
void VenueWriter::write_fields(FieldSlots& slots, std::uint32_t slot, const FieldValues<Field>& v,
                               std::uint64_t update_count, std::uint64_t ring_seq) noexcept {
  // The copy's seq counts this writer's publications of the slot (it picks
  // the newer copy); update_count is what readers are told.
  const std::uint64_t n = ++slots.publications[slot];
  auto* c = reinterpret_cast<FieldsCopy*>(slots.base + slot * kFieldsSlotStride +
                                          (n & 1U) * sizeof(FieldsCopy));
  const char* name = &slots == &references_ ? instruments_[slot].symbol : v.instrument;
  seqlock_write(c->seq, n, [&]() noexcept {
    store(c->known, v.known, kRelaxed);
    for (std::size_t f = 0; f < kSlotFields; ++f) {
      store(c->exp[f], v.exp[f], kRelaxed);
      store(c->value[f], v.value[f], kRelaxed);
    }
    store(c->ts_exchange_ns, v.ts_exchange_ns, kRelaxed);
    store(c->ts_recv_ns, v.ts_recv_ns, kRelaxed);
    store(c->ts_publish_ns, v.ts_publish_ns, kRelaxed);
    store(c->update_count, update_count, kRelaxed);
    store(c->ring_seq, ring_seq, kRelaxed);
    for (std::size_t k = 0; k + 1 < kSymbolLen; ++k) store(c->instrument[k], name[k], kRelaxed);
    store(c->instrument[kSymbolLen - 1], '\0', kRelaxed);
  });
}

// The event that announces a field slot: px and qty carry two of its fields
// (0 when unknown), aux0 its update count, aux1 its known bits.
template <class Field>
void VenueWriter::append_fields_event(EventType type, std::uint32_t slot,
                                      const FieldValues<Field>& v, std::uint64_t update_count,
                                      Field px_field, Field qty_field) noexcept {
  const auto raw = [&v](Field f) { return v.has(f) ? v.raw(f) : 0; };
  const auto exp = [&v](Field f) {
    return v.has(f) ? static_cast<std::int8_t>(v.exponent(f)) : std::int8_t{0};
  };
  Event ev;
  ev.type = type;
  ev.instrument = slot;
  ev.ts_exchange_ns = v.ts_exchange_ns;
  ev.ts_recv_ns = v.ts_recv_ns;
  ev.px = raw(px_field);
  ev.px_exp = exp(px_field);
  ev.qty = raw(qty_field);
  ev.qty_exp = exp(qty_field);
  ev.aux0 = static_cast<std::int64_t>(update_count);
  ev.aux1 = v.known;
  (void)append(ev);
}

void VenueWriter::heartbeat(std::int64_t now_monotonic_ns) noexcept {
  // Relaxed: a lone word, readers only compare it with their clock.
  store(hdr_->heartbeat_ns, now_monotonic_ns, kRelaxed);
}

void VenueWriter::set_feed_latency(const FeedLatency& f) noexcept {
  const std::uint64_t n = detail::load(hdr_->feed_latency_seq, kRelaxed) / 2 + 1;  // ours alone
  seqlock_write(hdr_->feed_latency_seq, n, [&]() noexcept {
    store(hdr_->feed_latency_p50_ns, f.p50_ns, kRelaxed);
    store(hdr_->feed_latency_p99_ns, f.p99_ns, kRelaxed);
    store(hdr_->feed_latency_samples, f.samples, kRelaxed);
    store(hdr_->feed_latency_ahead, f.ahead, kRelaxed);
    store(hdr_->feed_latency_window_s, f.window_s, kRelaxed);
  });
}

void VenueWriter::idle(std::int64_t now_monotonic_ns) noexcept {
  heartbeat(now_monotonic_ns);
  if (head_ == head_at_idle_) {
    Event ev;
    ev.type = EventType::heartbeat;
    ev.ts_recv_ns = now_monotonic_ns;
    append(ev);
  }
  head_at_idle_ = head_;
}

void VenueWriter::set_state(SegmentState state) noexcept {
  // Release: everything published before the state change is visible to a
  // reader that acquires the new state (VenueReader::refresh).
  store(hdr_->state, static_cast<std::uint32_t>(state), kRelease);
}

// ---- control segment -------------------------------------------------------------

namespace {
struct ControlFill {
  const std::string* instance;
  const std::vector<VenueConfig>* venues;
};

void fill_control(char* base, void* ctx) {
  const auto& f = *static_cast<ControlFill*>(ctx);
  auto* h = reinterpret_cast<SegmentHeader*>(base);
  copy_name(h->name, kNameLen, *f.instance);
  h->venue_count = static_cast<std::uint32_t>(f.venues->size());
  h->sections[kSecVenues] = Section{sizeof(SegmentHeader), f.venues->size() * sizeof(VenueEntry),
                                    h->venue_count, sizeof(VenueEntry), 0};
  h->state = static_cast<std::uint32_t>(SegmentState::init);
  auto* e = reinterpret_cast<VenueEntry*>(base + sizeof(SegmentHeader));
  for (std::size_t i = 0; i < f.venues->size(); ++i) {
    const VenueConfig& v = (*f.venues)[i];
    copy_name(e[i].name, kNameLen, v.name);
    copy_name(e[i].file, sizeof e[i].file, kVenueFilePrefix + v.name);
    e[i].instrument_count = static_cast<std::uint32_t>(v.symbols.size());
    e[i].depth = v.depth;
    e[i].ring_capacity = v.ring_capacity;
  }
}
}  // namespace

CreateStatus ControlWriter::create(const SegmentOptions& options, const std::string& instance,
                                   const std::vector<VenueConfig>& venues,
                                   std::unique_ptr<ControlWriter>& out) {
  if (!valid_name(instance, kNameLen))
    return {CreateError::bad_config, 0, "bad instance name '" + instance + "'"};
  for (const auto& v : venues) {
    if (!valid_name(v.name, kNameLen))
      return {CreateError::bad_config, 0, "bad venue name '" + v.name + "'"};
  }
  std::unique_ptr<ControlWriter> w(new ControlWriter());
  ControlFill fill{&instance, &venues};
  const std::uint64_t size =
      (sizeof(SegmentHeader) + venues.size() * sizeof(VenueEntry) + kPage - 1) / kPage * kPage;
  CreateStatus st =
      w->seg_.create(options, kControlFile, SegmentKind::control, size, &fill_control, &fill);
  if (!st.ok()) return st;
  w->hdr_ = reinterpret_cast<SegmentHeader*>(w->seg_.base());
  out = std::move(w);
  return st;
}

ControlWriter::~ControlWriter() = default;

void ControlWriter::heartbeat(std::int64_t now_monotonic_ns) noexcept {
  store(hdr_->heartbeat_ns, now_monotonic_ns, kRelaxed);
}

void ControlWriter::set_state(SegmentState state) noexcept {
  store(hdr_->state, static_cast<std::uint32_t>(state), kRelease);
}

}  // namespace wirebook::shm
