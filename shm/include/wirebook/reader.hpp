#pragma once
// wirebook reader API, C++ header-only (DESIGN.md §6). Link nothing; POSIX only.
//
//   wirebook::shm::VenueReader r;
//   if (VenueReader::open("/dev/shm/wirebook/main", "woo", r) != OpenError::ok) ...
//   wirebook::shm::Bbo b;
//   if (r.read_bbo(r.find("SPOT_BTC_USDT"), b) == ReadResult::ok && b.trusted()) ...
//
// Threading contract: a VenueReader is used by one thread at a time (it is
// cheap; open one per thread). Reads of books and of the ring never block the
// writer, never write to the mapping (it is mapped PROT_READ), make no system
// calls and never allocate. open() and refresh() are cold: they make system
// calls and may allocate. Errors are values, nothing throws.
//
// Seqlock, reader half (pairs with the writer half in shm/writer.cpp):
//   (R1) acquire load of seq -- pairs with the writer's release store (W4)
//   (R2) relaxed data loads
//   (R3) acquire fence       -- pairs with the writer's release fence (W2)
//   (R4) relaxed re-load of seq; unchanged => the copy is consistent.
#include <sys/stat.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include <wirebook/segment_map.hpp>
#include <wirebook/shm_layout.hpp>

namespace wirebook::shm {

// State of the writer behind a segment, as of the last refresh().
enum class Liveness : std::uint8_t {
  alive = 0,  // lock held, heartbeat fresh (or not yet required)
  starting,   // lock held, segment still INIT
  stale,      // lock held but heartbeat older than ReaderOptions::heartbeat_timeout_ns
  dead,       // writer gone without closing (lifetime lock free)
  closed,     // writer stopped gracefully (state CLOSED)
  missing,    // the file at the path is gone
};

[[nodiscard]] inline const char* to_string(Liveness l) noexcept {
  switch (l) {
    case Liveness::alive:
      return "alive";
    case Liveness::starting:
      return "starting";
    case Liveness::stale:
      return "stale";
    case Liveness::dead:
      return "dead";
    case Liveness::closed:
      return "closed";
    case Liveness::missing:
      return "missing";
  }
  return "unknown";
}

namespace detail {
// A segment writer's liveness from its mapping: CLOSED state, the lifetime
// lock, INIT state, then the heartbeat against `heartbeat_timeout_ns` (<= 0:
// not required). Shared by the venue and consolidated readers.
[[nodiscard]] inline Liveness segment_liveness(const Mapping& map, std::int64_t now,
                                               std::int64_t heartbeat_timeout_ns) noexcept {
  const SegmentHeader& h = *map.header();
  const auto state = static_cast<SegmentState>(load(h.state, std::memory_order_acquire));
  if (state == SegmentState::closed) return Liveness::closed;
  if (writer_lock_held(map.fd) == 0) return Liveness::dead;
  if (state == SegmentState::init) return Liveness::starting;
  const std::int64_t beat = load(h.heartbeat_ns, std::memory_order_relaxed);
  if (heartbeat_timeout_ns > 0 && now - beat > heartbeat_timeout_ns) return Liveness::stale;
  return Liveness::alive;
}
}  // namespace detail

[[nodiscard]] inline const char* to_string(Status s) noexcept {
  switch (s) {
    case Status::syncing:
      return "syncing";
    case Status::live:
      return "live";
    case Status::stale:
      return "stale";
    case Status::resyncing:
      return "resyncing";
    case Status::disconnected:
      return "disconnected";
  }
  return "unknown";
}

// "quantity", "entry_price", "pnl", "liquidation_price", "margin", "leverage".
[[nodiscard]] inline const char* to_string(PositionField f) noexcept {
  switch (f) {
    case PositionField::quantity:
      return "quantity";
    case PositionField::entry_price:
      return "entry_price";
    case PositionField::pnl:
      return "pnl";
    case PositionField::liquidation_price:
      return "liquidation_price";
    case PositionField::margin:
      return "margin";
    case PositionField::leverage:
      return "leverage";
  }
  return "unknown";
}

// "mark_price", "index_price", "funding_rate", "next_funding_time", "open_interest".
[[nodiscard]] inline const char* to_string(ReferenceField f) noexcept {
  switch (f) {
    case ReferenceField::mark_price:
      return "mark_price";
    case ReferenceField::index_price:
      return "index_price";
    case ReferenceField::funding_rate:
      return "funding_rate";
    case ReferenceField::next_funding_time:
      return "next_funding_time";
    case ReferenceField::open_interest:
      return "open_interest";
  }
  return "unknown";
}

enum class ReadResult : std::uint8_t {
  ok = 0,
  empty,           // never published
  bad_instrument,  // index (book instrument or position slot) out of range
  busy,            // the writer overtook every attempt; try again
};

enum class PollResult : std::uint8_t {
  event = 0,  // `ev` holds the next event
  nothing,    // no new event yet
  lapped,     // the writer overwrote unread events; `lost` is a lower bound; re-read slots
  reset,      // the segment was replaced (new generation); re-read slots
};

// Top of book, from the first cache line of a slot copy.
struct Bbo {
  Status status = Status::syncing;
  std::uint8_t flags = 0;
  std::int8_t px_exp = 0;
  std::int8_t qty_exp = 0;
  std::uint16_t bid_count = 0;  // 0: no bid (bid is {0, 0})
  std::uint16_t ask_count = 0;
  std::uint64_t version = 0;
  std::int64_t ts_exchange_ns = 0;
  Level bid{0, 0};
  Level ask{0, 0};
  bool writer_ok = false;  // writer alive as of the last refresh()
  [[nodiscard]] bool trusted() const noexcept { return writer_ok && status == Status::live; }
};

// A whole slot copy's metadata; levels are returned through caller arrays.
struct BookView {
  Bbo top;
  std::int64_t ts_recv_ns = 0;
  std::int64_t ts_publish_ns = 0;
  std::uint64_t update_count = 0;
  std::uint64_t ring_seq = 0;  // last ring event reflected: skip events with seq <= this
  std::uint32_t bids = 0;      // levels written to the caller's arrays
  std::uint32_t asks = 0;
  [[nodiscard]] bool trusted() const noexcept { return top.trusted(); }
};

struct RingCursor {
  std::uint64_t next = 1;        // seq of the next event to read
  std::uint64_t generation = 0;  // segment generation the cursor belongs to
};

// Reads one venue segment: instruments, book slots, the event ring, liveness.
class VenueReader {
 public:
  static constexpr int kMaxAttempts = 1000;

  VenueReader() = default;
  VenueReader(const VenueReader&) = delete;
  VenueReader& operator=(const VenueReader&) = delete;
  VenueReader(VenueReader&&) noexcept = default;
  VenueReader& operator=(VenueReader&&) noexcept = default;
  ~VenueReader() = default;

  // Opens `<dir>/venue-<venue>`. `dir` is the instance directory, e.g.
  // default "/dev/shm/wirebook/<instance>". On error `out` is unchanged.
  [[nodiscard]] static OpenError open(const std::string& dir, const std::string& venue,
                                      VenueReader& out, const ReaderOptions& opt = {}) {
    VenueReader r;
    r.dir_ = dir;
    r.file_ = std::string(kVenueFilePrefix) + venue;
    r.opt_ = opt;
    detail::Mapping m;
    const OpenError e = detail::map_segment(r.dir_, r.file_, SegmentKind::venue, opt, m, r.errno_);
    if (e != OpenError::ok) return e;
    r.adopt(std::move(m));
    r.refresh();
    out = std::move(r);
    return OpenError::ok;
  }

  // ---- instruments ----
  [[nodiscard]] std::uint32_t instrument_count() const noexcept { return count_; }
  [[nodiscard]] std::uint32_t depth() const noexcept { return depth_; }
  [[nodiscard]] const char* symbol(std::uint32_t i) const noexcept {
    return i < count_ ? instruments_[i].symbol : "";
  }
  // Index of `sym`, or instrument_count() when absent (reads then return bad_instrument).
  [[nodiscard]] std::uint32_t find(std::string_view sym) const noexcept {
    for (std::uint32_t i = 0; i < count_; ++i) {
      if (sym ==
          std::string_view(instruments_[i].symbol, ::strnlen(instruments_[i].symbol, kSymbolLen))) {
        return i;
      }
    }
    return count_;
  }

  // ---- books (hot: no syscalls, no allocation) ----
  [[nodiscard]] ReadResult read_bbo(std::uint32_t i, Bbo& out) const noexcept {
    return read_slot(i, [&](const SlotTop* t, const char*) noexcept { load_top(t, out); });
  }

  // Copies up to `max_levels` levels per side (best first) into bids/asks.
  [[nodiscard]] ReadResult read_book(std::uint32_t i, BookView& out, Level* bids, Level* asks,
                                     std::uint32_t max_levels) const noexcept {
    return read_slot(i, [&](const SlotTop* t, const char* base) noexcept {
      using detail::load;
      constexpr auto kRelaxed = std::memory_order_relaxed;
      load_top(t, out.top);
      const auto* m = reinterpret_cast<const SlotMeta*>(base + sizeof(SlotTop));
      out.ts_recv_ns = load(m->ts_recv_ns, kRelaxed);
      out.ts_publish_ns = load(m->ts_publish_ns, kRelaxed);
      out.update_count = load(m->update_count, kRelaxed);
      out.ring_seq = load(m->ring_seq, kRelaxed);
      const auto* lv = reinterpret_cast<const Level*>(base + sizeof(SlotCopyHead));
      // Counts come from a possibly torn copy: clamp before indexing.
      out.bids = clamp(out.top.bid_count, max_levels);
      out.asks = clamp(out.top.ask_count, max_levels);
      for (std::uint32_t k = 0; k < out.bids; ++k) {
        bids[k] = Level{load(lv[k].px, kRelaxed), load(lv[k].qty, kRelaxed)};
      }
      for (std::uint32_t k = 0; k < out.asks; ++k) {
        asks[k] = Level{load(lv[depth_ + k].px, kRelaxed), load(lv[depth_ + k].qty, kRelaxed)};
      }
    });
  }

  // ---- positions (hot: no syscalls, no allocation; DESIGN §9a) ----
  [[nodiscard]] std::uint32_t position_capacity() const noexcept { return position_capacity_; }
  // Slots in use. Slots are assigned in order and never released, so this is
  // the index of the first slot never published.
  [[nodiscard]] std::uint32_t position_count() const noexcept {
    std::uint32_t n = 0;
    while (n < position_capacity_ && position_slot_used(n)) ++n;
    return n;
  }
  // Reads slot `slot`: ok, empty (never published), bad_instrument (slot out
  // of range) or busy. Fields the venue did not send have their known bit clear.
  [[nodiscard]] ReadResult read_position(std::uint32_t slot, Position& out) const noexcept {
    if (slot >= position_capacity_) return ReadResult::bad_instrument;
    return read_fields(positions_ + slot * kFieldsSlotStride, out);
  }
  // Slot holding `instrument`, or position_capacity() when it has none (yet).
  [[nodiscard]] std::uint32_t find_position(std::string_view instrument) const noexcept {
    const std::uint32_t n = position_count();
    for (std::uint32_t k = 0; k < n; ++k) {
      Position p;
      if (read_position(k, p) == ReadResult::ok && instrument == std::string_view(p.instrument)) {
        return k;
      }
    }
    return position_capacity_;
  }

  // ---- reference data (hot: no syscalls, no allocation; DESIGN §9a) ----
  // Reads book instrument i's reference slot (mark, index, funding, open
  // interest): ok, empty (nothing published for it yet), bad_instrument or
  // busy. Fields the venue did not send (yet) have their known bit clear;
  // each update keeps the fields it did not carry.
  [[nodiscard]] ReadResult read_reference(std::uint32_t i, Reference& out) const noexcept {
    if (i >= count_) return ReadResult::bad_instrument;
    return read_fields(references_ + i * kFieldsSlotStride, out);
  }

  // ---- feed latency (the writer republishes it at most once a second) ----
  // ok, empty (never published: no book update yet, or an older writer) or busy.
  [[nodiscard]] ReadResult read_feed_latency(FeedLatency& out) const noexcept {
    using detail::load;
    constexpr auto kRelaxed = std::memory_order_relaxed;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      const std::uint64_t seq = load(hdr_->feed_latency_seq, std::memory_order_acquire);  // (R1)
      if (seq == 0) return ReadResult::empty;
      if ((seq & 1U) == 0) {
        out.p50_ns = load(hdr_->feed_latency_p50_ns, kRelaxed);  // (R2)
        out.p99_ns = load(hdr_->feed_latency_p99_ns, kRelaxed);
        out.samples = load(hdr_->feed_latency_samples, kRelaxed);
        out.ahead = load(hdr_->feed_latency_ahead, kRelaxed);
        out.window_s = load(hdr_->feed_latency_window_s, kRelaxed);
        std::atomic_thread_fence(std::memory_order_acquire);                       // (R3)
        if (load(hdr_->feed_latency_seq, kRelaxed) == seq) return ReadResult::ok;  // (R4)
      }
      detail::cpu_relax();
    }
    return ReadResult::busy;
  }

  // ---- event ring (hot) ----
  // Seq of the last complete event (0 = none yet).
  [[nodiscard]] std::uint64_t ring_head() const noexcept {
    // Pairs with the release store of ring_head in VenueWriter::append.
    return detail::load(hdr_->ring_head, std::memory_order_acquire);
  }
  [[nodiscard]] std::uint32_t ring_capacity() const noexcept {
    return static_cast<std::uint32_t>(mask_ + 1);
  }
  [[nodiscard]] RingCursor cursor_at_head() const noexcept {
    return RingCursor{ring_head() + 1, generation_};
  }
  [[nodiscard]] RingCursor cursor_from(std::uint64_t seq) const noexcept {
    return RingCursor{seq == 0 ? 1 : seq, generation_};
  }

  [[nodiscard]] PollResult poll(RingCursor& c, Event& ev, std::uint64_t& lost) const noexcept {
    using detail::load;
    lost = 0;
    if (c.generation != generation_) {
      c = cursor_at_head();
      return PollResult::reset;
    }
    const std::uint64_t n = c.next;
    const RingRecord* r = ring_ + (n & mask_);
    std::uint64_t s = load(r->seq, std::memory_order_acquire);  // (R1) pairs with (W4) in append
    if (s < 2 * n) return PollResult::nothing;  // not written yet (odd: in progress)
    if (s == 2 * n) {
      constexpr auto kRelaxed = std::memory_order_relaxed;
      ev.seq = n;  // (R2)
      ev.type = static_cast<EventType>(load(r->type, kRelaxed));
      ev.side = load(r->side, kRelaxed);
      ev.px_exp = load(r->px_exp, kRelaxed);
      ev.qty_exp = load(r->qty_exp, kRelaxed);
      ev.instrument = load(r->instrument, kRelaxed);
      ev.ts_exchange_ns = load(r->ts_exchange_ns, kRelaxed);
      ev.ts_recv_ns = load(r->ts_recv_ns, kRelaxed);
      ev.px = load(r->px, kRelaxed);
      ev.qty = load(r->qty, kRelaxed);
      ev.aux0 = load(r->aux0, kRelaxed);
      ev.aux1 = load(r->aux1, kRelaxed);
      // (R3) pairs with the release fence (W2) in VenueWriter::append.
      std::atomic_thread_fence(std::memory_order_acquire);
      const std::uint64_t s2 = load(r->seq, kRelaxed);  // (R4)
      if (s2 == s) {
        c.next = n + 1;
        return PollResult::event;
      }
      s = s2;  // overwritten while we copied it
    }
    // The record now belongs to event m >= n + capacity: events before
    // m - capacity + 1 are gone. Resume at the head (at least there).
    const std::uint64_t m = (s + 1) / 2;
    const std::uint64_t oldest = m - mask_;
    std::uint64_t next = ring_head();
    if (next < oldest) next = oldest;
    lost = next - n;
    c.next = next;
    return PollResult::lapped;
  }

  // ---- liveness (cold: system calls) ----
  // Re-evaluates the writer's state; attaches to a new generation found at the
  // path by itself (cursors of the old generation then poll `reset`).
  Liveness refresh(std::int64_t now_monotonic_ns = detail::monotonic_ns()) noexcept {
    const std::string path = dir_ + "/" + file_;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      live_ = Liveness::missing;
      return live_;
    }
    if (st.st_ino != map_.ino || st.st_dev != map_.dev) {
      detail::Mapping m;
      if (detail::map_segment(dir_, file_, SegmentKind::venue, opt_, m, errno_) == OpenError::ok) {
        adopt(std::move(m));
        ++reattach_count_;
      }
    }
    live_ = evaluate(now_monotonic_ns);
    return live_;
  }
  [[nodiscard]] Liveness liveness() const noexcept { return live_; }

  // ---- identity ----
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }
  [[nodiscard]] std::uint64_t reattach_count() const noexcept { return reattach_count_; }
  [[nodiscard]] std::int32_t writer_pid() const noexcept { return hdr_->writer_pid; }
  [[nodiscard]] std::uint64_t writer_start_time() const noexcept { return hdr_->writer_start_time; }
  [[nodiscard]] SegmentState state() const noexcept {
    return static_cast<SegmentState>(detail::load(hdr_->state, std::memory_order_acquire));
  }
  [[nodiscard]] std::int64_t heartbeat_ns() const noexcept {
    return detail::load(hdr_->heartbeat_ns, std::memory_order_relaxed);
  }
  [[nodiscard]] const char* venue_name() const noexcept { return hdr_->name; }
  [[nodiscard]] bool is_open() const noexcept { return hdr_ != nullptr; }

 private:
  static std::uint32_t clamp(std::uint32_t n, std::uint32_t cap) noexcept {
    return n < cap ? n : cap;
  }

  void adopt(detail::Mapping&& m) noexcept {
    map_ = std::move(m);
    hdr_ = map_.header();
    const SegmentHeader& h = *hdr_;
    count_ = h.instrument_count;
    depth_ = h.depth;
    mask_ = h.ring_capacity - 1;
    copy_stride_ = slot_copy_stride(h.depth);
    position_capacity_ = h.position_capacity;
    positions_ = map_.base + h.sections[kSecPositions].offset;
    references_ = map_.base + h.sections[kSecReferences].offset;
    instruments_ =
        reinterpret_cast<const InstrumentInfo*>(map_.base + h.sections[kSecInstruments].offset);
    slots_ = map_.base + h.sections[kSecSlots].offset;
    ring_ = reinterpret_cast<const RingRecord*>(map_.base + h.sections[kSecRing].offset);
    generation_ = h.generation;
  }

  [[nodiscard]] Liveness evaluate(std::int64_t now) const noexcept {
    return detail::segment_liveness(map_, now, opt_.heartbeat_timeout_ns);
  }

  void load_top(const SlotTop* t, Bbo& out) const noexcept {
    using detail::load;
    constexpr auto kRelaxed = std::memory_order_relaxed;
    out.status = static_cast<Status>(load(t->status, kRelaxed));
    out.flags = load(t->flags, kRelaxed);
    out.px_exp = load(t->px_exp, kRelaxed);
    out.qty_exp = load(t->qty_exp, kRelaxed);
    out.bid_count = load(t->bid_count, kRelaxed);
    out.ask_count = load(t->ask_count, kRelaxed);
    out.version = load(t->version, kRelaxed);
    out.ts_exchange_ns = load(t->ts_exchange_ns, kRelaxed);
    out.bid = Level{load(t->best_bid_px, kRelaxed), load(t->best_bid_qty, kRelaxed)};
    out.ask = Level{load(t->best_ask_px, kRelaxed), load(t->best_ask_qty, kRelaxed)};
    out.writer_ok = live_ == Liveness::alive;
  }

  template <class Field>
  [[nodiscard]] ReadResult read_fields(const char* c0, FieldValues<Field>& out) const noexcept {
    return read_pair(c0, c0 + sizeof(FieldsCopy), [&](const char* base) noexcept {
      load_fields(reinterpret_cast<const FieldsCopy*>(base), out);
    });
  }

  template <class Field>
  void load_fields(const FieldsCopy* c, FieldValues<Field>& out) const noexcept {
    using detail::load;
    constexpr auto kRelaxed = std::memory_order_relaxed;
    out.known = load(c->known, kRelaxed);
    for (std::size_t f = 0; f < kSlotFields; ++f) {
      out.exp[f] = load(c->exp[f], kRelaxed);
      out.value[f] = load(c->value[f], kRelaxed);
    }
    out.ts_exchange_ns = load(c->ts_exchange_ns, kRelaxed);
    out.ts_recv_ns = load(c->ts_recv_ns, kRelaxed);
    out.ts_publish_ns = load(c->ts_publish_ns, kRelaxed);
    out.update_count = load(c->update_count, kRelaxed);
    out.ring_seq = load(c->ring_seq, kRelaxed);
    for (std::size_t k = 0; k < kSymbolLen; ++k)
      out.instrument[k] = load(c->instrument[k], kRelaxed);
    out.instrument[kSymbolLen - 1] = '\0';  // a torn copy is discarded, but never unterminated
    out.writer_ok = live_ == Liveness::alive;
  }

  [[nodiscard]] bool position_slot_used(std::uint32_t slot) const noexcept {
    const char* c0 = positions_ + slot * kFieldsSlotStride;
    const auto* p0 = reinterpret_cast<const FieldsCopy*>(c0);
    const auto* p1 = reinterpret_cast<const FieldsCopy*>(c0 + sizeof(FieldsCopy));
    return (detail::load(p0->seq, std::memory_order_acquire) |
            detail::load(p1->seq, std::memory_order_acquire)) != 0;
  }

  template <class Body>
  [[nodiscard]] ReadResult read_slot(std::uint32_t i, Body&& body) const noexcept {
    if (i >= count_) return ReadResult::bad_instrument;
    const char* c0 = slots_ + 2ULL * i * copy_stride_;
    return read_pair(c0, c0 + copy_stride_, [&](const char* base) noexcept {
      body(reinterpret_cast<const SlotTop*>(base), base);
    });
  }

  // Picks the newest complete of two copies (book slot or field slot; each
  // starts with its seq word) and runs `body` on it under the seqlock.
  template <class Body>
  [[nodiscard]] static ReadResult read_pair(const char* c0, const char* c1, Body&& body) noexcept {
    using detail::load;
    static_assert(offsetof(SlotTop, seq) == 0 && offsetof(FieldsCopy, seq) == 0);
    const auto* q0 = reinterpret_cast<const std::uint64_t*>(c0);
    const auto* q1 = reinterpret_cast<const std::uint64_t*>(c1);
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      // (R1) pairs with (W4) in seqlock_write (VenueWriter::write_copy, publish_position).
      const std::uint64_t s0 = load(*q0, std::memory_order_acquire);
      const std::uint64_t s1 = load(*q1, std::memory_order_acquire);
      const std::uint64_t* q = nullptr;
      if (((s0 | s1) & 1U) == 0) {  // both complete: take the newer
        q = s0 > s1 ? q0 : q1;
      } else if ((s0 & 1U) != 0 && (s1 & 1U) == 0 && s1 + 1 == s0) {
        q = q1;  // copy 0 being rewritten; copy 1 is the latest
      } else if ((s1 & 1U) != 0 && (s0 & 1U) == 0 && s0 + 1 == s1) {
        q = q0;
      } else {  // a stale view of the pair: look again
        detail::cpu_relax();
        continue;
      }
      const std::uint64_t seq = q == q0 ? s0 : s1;
      if (seq == 0) return ReadResult::empty;
      body(reinterpret_cast<const char*>(q));  // (R2)
      // (R3) pairs with the release fence (W2) in seqlock_write.
      std::atomic_thread_fence(std::memory_order_acquire);
      if (load(*q, std::memory_order_relaxed) == seq) return ReadResult::ok;  // (R4)
      detail::cpu_relax();
    }
    return ReadResult::busy;
  }

  detail::Mapping map_;
  std::string dir_;
  std::string file_;
  ReaderOptions opt_;
  const SegmentHeader* hdr_ = nullptr;
  const InstrumentInfo* instruments_ = nullptr;
  const char* slots_ = nullptr;
  const RingRecord* ring_ = nullptr;
  const char* positions_ = nullptr;
  const char* references_ = nullptr;
  std::uint64_t copy_stride_ = 0;
  std::uint64_t mask_ = 0;
  std::uint64_t generation_ = 0;
  std::uint64_t reattach_count_ = 0;
  std::uint32_t count_ = 0;
  std::uint32_t depth_ = 0;
  std::uint32_t position_capacity_ = 0;
  Liveness live_ = Liveness::dead;
  int errno_ = 0;
};

// Reads an instance's control segment: the list of venues.
class InstanceReader {
 public:
  InstanceReader() = default;
  InstanceReader(InstanceReader&&) noexcept = default;
  InstanceReader& operator=(InstanceReader&&) noexcept = default;

  [[nodiscard]] static OpenError open(const std::string& dir, InstanceReader& out,
                                      const ReaderOptions& opt = {}) {
    InstanceReader r;
    int err = 0;
    const OpenError e =
        detail::map_segment(dir, kControlFile, SegmentKind::control, opt, r.map_, err);
    if (e != OpenError::ok) return e;
    r.dir_ = dir;
    r.opt_ = opt;
    const SegmentHeader& h = *r.map_.header();
    r.venues_ = reinterpret_cast<const VenueEntry*>(r.map_.base + h.sections[kSecVenues].offset);
    r.count_ = h.venue_count;
    out = std::move(r);
    return OpenError::ok;
  }

  [[nodiscard]] std::uint32_t venue_count() const noexcept { return count_; }
  [[nodiscard]] const char* venue_name(std::uint32_t i) const noexcept {
    return i < count_ ? venues_[i].name : "";
  }
  [[nodiscard]] const char* instance_name() const noexcept { return map_.header()->name; }

  [[nodiscard]] OpenError open_venue(std::string_view name, VenueReader& out) const {
    for (std::uint32_t i = 0; i < count_; ++i) {
      if (name == std::string_view(venues_[i].name, ::strnlen(venues_[i].name, kNameLen))) {
        return VenueReader::open(dir_, std::string(name), out, opt_);
      }
    }
    return OpenError::not_found;
  }

  // Cold: attaches to a new control segment at the path (the daemon restarted).
  // Returns true when it did; names returned earlier are then invalid.
  bool refresh() {
    struct stat st {};
    const std::string path = dir_ + "/" + kControlFile;
    if (::lstat(path.c_str(), &st) != 0 || (st.st_ino == map_.ino && st.st_dev == map_.dev))
      return false;
    InstanceReader fresh;
    if (open(dir_, fresh, opt_) != OpenError::ok) return false;
    *this = std::move(fresh);
    return true;
  }

  // The instance daemon's own liveness (its control segment lock and state).
  [[nodiscard]] Liveness liveness() const noexcept {
    const SegmentHeader& h = *map_.header();
    if (detail::load(h.state, std::memory_order_acquire) ==
        static_cast<std::uint32_t>(SegmentState::closed)) {
      return Liveness::closed;
    }
    return detail::writer_lock_held(map_.fd) == 0 ? Liveness::dead : Liveness::alive;
  }

 private:
  detail::Mapping map_;
  std::string dir_;
  ReaderOptions opt_;
  const VenueEntry* venues_ = nullptr;
  std::uint32_t count_ = 0;
};

// "/dev/shm/wirebook/<instance>".
[[nodiscard]] inline std::string instance_dir(const std::string& instance) {
  return std::string(kDefaultRoot) + "/" + instance;
}

}  // namespace wirebook::shm
