#include "tools/nats/mirror.hpp"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <thread>

#include <wirebook/reader.hpp>

#include "tools/nats/wire.hpp"

namespace wirebook::nats {

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kPollMs = 20;  // consumer wait; bounds status refresh latency

std::int64_t now_ns() noexcept {
  return shm::detail::monotonic_ns();
}

std::int64_t realtime_ns() noexcept {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// One mirrored book: the last applied BOOK record's metadata and levels.
struct MirrorBook {
  BookRecord meta;  // levels unused; bids/asks below
  std::vector<shm::Level> bids, asks;
  bool has_base = false;     // levels came from a full record or a snapshot
  bool trusted = false;      // chained since that base; no hole seen since
  bool catching_up = false;  // loaded from a snapshot, replay not finished
  bool published = false;
  shm::Status shown = shm::Status::syncing;
  // The source's reference slot content held (update_count 0: none). Reference
  // data has no status: the slot shows the newest content received, and its
  // times say how old it is.
  shm::Reference reference;
};

// One mirrored position slot. The slot shows `held` only while it is
// trusted and the venue is current (no STALE/DISCONNECTED imposed); else
// every field reads unknown (known bits 0), name, update count and times of
// `held` kept: a reader never takes an old position for the current one.
struct MirrorPosition {
  shm::Position held;        // the source's content; update_count is the source's
  bool has = false;          // held belongs to the current source generation
  bool trusted = false;      // held is the source's content as of the record applied
  bool catching_up = false;  // from a snapshot or a recovery replay: trusted at its end
  bool published = false;    // the slot is in use in our segment
  bool shown_known = false;  // what the slot shows: held (true) or unknown fields
  std::uint64_t shown_update_count = 0;
};

bool same_layout(const VenueInfo& a, const VenueInfo& b) {
  return a.depth == b.depth && a.ring_capacity == b.ring_capacity &&
         a.position_capacity == b.position_capacity && a.symbols == b.symbols;
}

shm::VenueConfig config_of(const std::string& name, const VenueInfo& info) {
  shm::VenueConfig c;
  c.name = name;
  c.symbols = info.symbols;
  c.depth = info.depth;
  c.ring_capacity = info.ring_capacity;
  c.position_capacity = info.position_capacity;
  return c;
}

}  // namespace

// One venue: its writer, consumer and books. Only its own thread touches it,
// except `config` (read by the control thread under `config_mutex`).
struct Mirror::Venue final : EventsVisitor {
  Venue(std::string n, const MirrorOptions& o, Client& c, const Names& nm, MirrorCounters& k)
      : name(std::move(n)), options(o), client(c), names(nm), counters(k) {}

  std::string name;
  const MirrorOptions& options;
  Client& client;
  const Names& names;
  MirrorCounters& counters;
  std::mutex config_mutex;
  shm::VenueConfig config;
  std::atomic<bool>* layout_changed = nullptr;

  VenueInfo info;
  std::unique_ptr<shm::VenueWriter> writer;
  std::unique_ptr<OrderedConsumer> consumer;
  std::vector<MirrorBook> books;
  std::vector<MirrorPosition> positions;  // one per slot of the segment
  bool positions_synced = false;          // every used slot known: snapshot loaded, no hole since
  bool replaying = false;                 // a recovery replay runs until the stream's tail
  std::uint64_t next_event_seq = 0;       // source seq of the message's next event record
  PositionsSnapshot positions_scratch;
  std::vector<shm::Level> scratch;
  BookRecord record_scratch;
  std::uint64_t chain_next = 0;         // next expected source seq; 0: take the next message as is
  std::uint64_t ring_next = 0;          // next source seq to append to the local ring
  std::uint64_t expect_stream_seq = 0;  // after a resubscription: the first message's stream seq
  std::uint64_t last_stream_seq = 0;
  std::uint8_t source_live = static_cast<std::uint8_t>(shm::Liveness::alive);
  std::int64_t last_msg_ns = 0;
  bool recover_due = true;
  std::int64_t next_recover_ns = 0;
  std::int64_t last_resubscribe_ns = 0;
  std::int64_t next_idle_ns = 0;
  bool live_tail = false;  // the message being applied is the stream's last one
  // Per message: a hole before it, unless its first record is a RESET.
  bool gap_pending = false;
  bool first_record = false;

  [[nodiscard]] bool create_writer(std::string& error) {
    writer.reset();  // releases the old segment's lock so it can be replaced
    const shm::VenueConfig c = config_of(name, info);
    const shm::CreateStatus st = shm::VenueWriter::create(options.segments, c, writer);
    if (!st.ok()) {
      error = "cannot create segment for " + name + ": " + st.detail;
      return false;
    }
    writer->heartbeat(now_ns());
    writer->set_state(shm::SegmentState::live);
    books.assign(info.symbols.size(), MirrorBook{});
    positions.assign(info.position_capacity, MirrorPosition{});
    positions_synced = false;
    const std::lock_guard<std::mutex> lock(config_mutex);
    config = c;
    return true;
  }

  // ---- rejections ----------------------------------------------------------------
  // Counts a message that does not decode and logs it (the first 20, then
  // every 1000th: a flood of them cannot flood the log).
  void reject(const char* what, const std::string& subject, std::string_view data) {
    const std::uint64_t n = counters.malformed.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n > 20 && n % 1000 != 0) return;
    std::fprintf(stderr, "wirebook mirror: %s: rejected %s on %s: %s (%llu rejected so far)\n",
                 name.c_str(), what, subject.c_str(), describe_rejection(data).c_str(),
                 static_cast<unsigned long long>(n));
  }

  // ---- statuses ----------------------------------------------------------------
  // The status every book of the venue takes whatever it holds (DISCONNECTED,
  // STALE), or LIVE when none is imposed. Evaluated once per pass, not per
  // book: connected() takes the connection's lock, which the libnats reader
  // thread delivering the next message needs too.
  [[nodiscard]] shm::Status imposed(std::int64_t now) const {
    const auto live = static_cast<shm::Liveness>(source_live);
    if (!client.connected() || live == shm::Liveness::dead || live == shm::Liveness::closed ||
        live == shm::Liveness::missing) {
      return shm::Status::disconnected;
    }
    if (now - last_msg_ns > options.stale_ms * kMs || live != shm::Liveness::alive) {
      return shm::Status::stale;
    }
    return shm::Status::live;
  }

  [[nodiscard]] static shm::Status effective(const MirrorBook& b, shm::Status venue) {
    if (venue != shm::Status::live) return venue;
    if (!b.has_base || !b.trusted) return shm::Status::resyncing;
    return static_cast<shm::Status>(b.meta.status);
  }

  // `venue`: imposed() of this pass.
  void publish(std::uint32_t i, shm::Status venue, bool fresh_record = false) {
    MirrorBook& b = books[i];
    const shm::Status status = effective(b, venue);
    const bool overridden = status != static_cast<shm::Status>(b.meta.status);
    if (b.published && status != b.shown &&
        (overridden || b.shown != static_cast<shm::Status>(b.meta.status))) {
      // A status of our own making: readers see it in the ring too.
      shm::Event ev;
      ev.type = shm::EventType::status;
      ev.instrument = i;
      ev.px_exp = b.meta.px_exp;
      ev.qty_exp = b.meta.qty_exp;
      ev.aux0 = static_cast<std::int64_t>(status);
      ev.aux1 = b.meta.flags;
      (void)writer->append(ev);
    }
    shm::BookMeta m;
    m.status = status;
    m.flags = static_cast<std::uint8_t>(b.meta.flags & ~shm::kFlagCrossed);  // recomputed
    m.px_exp = b.meta.px_exp;
    m.qty_exp = b.meta.qty_exp;
    m.ts_exchange_ns = b.meta.ts_exchange_ns;
    m.ts_recv_ns = b.meta.ts_recv_ns;
    m.ts_publish_ns = b.meta.ts_publish_ns;
    m.update_count = b.meta.update_count;
    (void)writer->publish_levels(i, m, b.bids, b.asks, b.meta.version);
    // Replayed records (catching up) would measure the replay, not the path.
    if (fresh_record && live_tail) {
      counters.source_to_mirror.record(realtime_ns() - m.ts_publish_ns);
    }
    b.published = true;
    b.shown = status;
  }

  void refresh_statuses(std::int64_t now) {
    const shm::Status venue = imposed(now);
    for (std::uint32_t i = 0; i < books.size(); ++i) {
      if (books[i].published && effective(books[i], venue) != books[i].shown) publish(i, venue);
    }
  }

  // ---- positions -------------------------------------------------------------------
  // Writes slot `slot` when what it should show changed. Slots come into use
  // in order (readers count used slots from 0), so a slot waits for the one
  // before it. Without `announce` the source's POSITION event of the slot is
  // the next thing appended.
  // `venue`: imposed() of this pass.
  void show_position(std::uint32_t slot, shm::Status venue, bool announce) {
    MirrorPosition& p = positions[slot];
    if (!p.has || (!p.published && slot > 0 && !positions[slot - 1].published)) return;
    const bool known = p.trusted && venue == shm::Status::live;
    if (p.published && known == p.shown_known &&
        (!known || p.held.update_count == p.shown_update_count)) {
      return;
    }
    shm::Position shown = p.held;
    if (!known) {
      shown.known = 0;
      std::fill(std::begin(shown.exp), std::end(shown.exp), std::int8_t{0});
      std::fill(std::begin(shown.value), std::end(shown.value), std::int64_t{0});
    }
    (void)writer->publish_position_replica(slot, shown, announce);
    p.published = true;
    p.shown_known = known;
    p.shown_update_count = p.held.update_count;
  }

  void show_positions(std::int64_t now) {
    if (positions.empty() || !positions.front().has) return;
    const shm::Status venue = imposed(now);
    for (std::uint32_t slot = 0; slot < positions.size() && positions[slot].has; ++slot) {
      show_position(slot, venue, true);
    }
  }

  void on_position(const PositionRecord& r) override {
    before_record(false);
    counters.position_records.fetch_add(1, std::memory_order_relaxed);
    if (r.slot >= positions.size()) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    MirrorPosition& p = positions[r.slot];
    const std::uint64_t count = r.position.update_count;
    // Older than held, or the same again where nothing is to be learnt.
    if (p.has && (count < p.held.update_count ||
                  (count == p.held.update_count && (p.trusted || replaying)))) {
      return;
    }
    p.held = r.position;
    p.has = true;
    // In stream order a slot's content is exact at once; in a recovery
    // replay it is an old state until the replay reaches the tail.
    p.catching_up = replaying && !p.trusted;
    p.trusted = !p.catching_up;
    const std::int64_t now = now_ns();
    // The source's POSITION event follows unless it is one we already hold.
    show_position(r.slot, imposed(now), !(r.with_event && next_event_seq >= ring_next));
    show_positions(now);  // slots after it may have waited for it
  }

  // Loads the venue's positions snapshot: every slot not already exact and
  // at least as new is replaced and catches up with the replay that follows.
  [[nodiscard]] bool load_positions(std::uint64_t& hint, std::int64_t now) {
    StoredMsg m;
    std::string err;
    const std::string subject = names.positions(name);
    if (client.last_message(names.state_stream(), subject, m, err) != 1) return false;
    PositionsSnapshot& snap = positions_scratch;
    if (!decode_positions(m.data, snap)) {
      reject("a positions snapshot", subject, m.data);
      return false;
    }
    if (snap.header.generation != info.generation || snap.slots.size() > positions.size()) {
      return false;
    }
    for (std::uint32_t slot = 0; slot < snap.slots.size(); ++slot) {
      MirrorPosition& p = positions[slot];
      if (p.has && p.trusted && p.held.update_count >= snap.slots[slot].update_count) continue;
      p.held = snap.slots[slot];
      p.has = true;
      p.trusted = false;
    }
    for (MirrorPosition& p : positions) p.catching_up = p.has && !p.trusted;
    positions_synced = true;
    show_positions(now);
    hint = snap.header.js_hint;
    counters.snapshots_loaded.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  void abandon_catch_up() {
    for (MirrorBook& b : books) b.catching_up = false;
    for (MirrorPosition& p : positions) {
      if (p.catching_up) positions_synced = false;
      p.catching_up = false;
    }
    recover_due = true;
  }

  void untrust_all() {
    for (MirrorBook& b : books) {
      b.trusted = false;
      b.catching_up = false;
    }
    for (MirrorPosition& p : positions) {
      p.trusted = false;
      p.catching_up = false;
    }
    positions_synced = false;
    recover_due = true;
    show_positions(now_ns());
  }

  // ---- records -------------------------------------------------------------------
  void before_record(bool is_reset) {
    if (!first_record) return;
    first_record = false;
    if (gap_pending && !is_reset) {
      counters.gaps.fetch_add(1, std::memory_order_relaxed);
      untrust_all();
    }
    gap_pending = false;
  }

  void on_event(const shm::Event& ev) override {
    before_record(false);
    next_event_seq = ev.seq + 1;
    if (ev.seq < ring_next) return;  // replayed
    (void)writer->append(ev);
    ring_next = ev.seq + 1;
    counters.events.fetch_add(1, std::memory_order_relaxed);
  }

  void on_book(const BookRecord& r) override {
    before_record(false);
    counters.book_records.fetch_add(1, std::memory_order_relaxed);
    if (r.instrument >= books.size()) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    MirrorBook& b = books[r.instrument];
    if (b.has_base && r.update_count <= b.meta.update_count) return;  // already held
    if (r.full) {
      b.bids = r.bids;
      b.asks = r.asks;
    } else if (b.has_base && r.base_update_count == b.meta.update_count) {
      apply_side(b.bids, r.bids, false, scratch);
      apply_side(b.asks, r.asks, true, scratch);
    } else {
      counters.chain_breaks.fetch_add(1, std::memory_order_relaxed);
      b.trusted = false;
      b.catching_up = false;
      recover_due = true;
      return;
    }
    b.meta = r;
    b.meta.bids.clear();
    b.meta.asks.clear();
    b.has_base = true;
    b.trusted = true;
    b.catching_up = false;
    publish(r.instrument, imposed(now_ns()), true);
  }

  void on_reference(const ReferenceRecord& r) override {
    before_record(false);
    counters.reference_records.fetch_add(1, std::memory_order_relaxed);
    if (r.instrument >= books.size()) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    hold_reference(r.instrument, r.reference);
  }

  // Shows a reference content newer than the one held (a replay or an older
  // snapshot never takes the slot back). No event: the source's REFERENCE
  // event, when there is one, is appended by on_event.
  void hold_reference(std::uint32_t i, const shm::Reference& ref) {
    shm::Reference& held = books[i].reference;
    if (ref.update_count <= held.update_count) return;
    held = ref;
    (void)writer->publish_reference_replica(i, held, false);
  }

  void on_reset(ResetReason /*reason*/, std::uint64_t /*lost*/) override {
    before_record(true);
    counters.resets.fetch_add(1, std::memory_order_relaxed);
    untrust_all();
  }

  void on_source(std::uint8_t liveness) override {
    before_record(false);
    source_live = liveness;
  }

  // ---- messages -----------------------------------------------------------------------
  // A new source generation: adopt its layout (recreating the segment when it
  // differs). False when its venue info is not there yet.
  [[nodiscard]] bool adopt_generation(std::uint64_t generation) {
    StoredMsg m;
    std::string err;
    VenueInfo fresh;
    if (client.last_message(names.state_stream(), names.venue_info(name), m, err) != 1 ||
        !decode_venue_info(m.data, fresh) || fresh.generation != generation) {
      return false;
    }
    // Position slots never change instrument in a segment, and a new
    // generation assigns them afresh: positions in use need a new segment.
    const bool recreate =
        !same_layout(fresh, info) || (!positions.empty() && positions.front().published);
    info = fresh;
    if (recreate) {
      if (!create_writer(err)) return false;
      layout_changed->store(true, std::memory_order_release);
    }
    // The old generation's books stay readable but RESYNCING (refresh_statuses)
    // until the new generation's records arrive; its update counts restart.
    for (MirrorBook& b : books) {
      b.has_base = false;
      b.trusted = false;
      b.catching_up = false;
      b.reference.update_count = 0;  // the new generation counts from 1
    }
    positions.assign(info.position_capacity, MirrorPosition{});
    positions_synced = false;
    chain_next = 0;
    ring_next = 0;
    recover_due = true;
    return true;
  }

  void handle(const StoredMsg& m, std::int64_t now) {
    counters.messages.fetch_add(1, std::memory_order_relaxed);
    last_msg_ns = now;
    if (expect_stream_seq != 0 && m.stream_seq != expect_stream_seq) {
      // The replay does not start where the snapshots said (that part of the
      // stream is gone): the books loaded from them cannot catch up; a newer
      // snapshot will. Books that were already exact keep their sequence
      // check below.
      counters.gaps.fetch_add(1, std::memory_order_relaxed);
      abandon_catch_up();
    }
    expect_stream_seq = 0;
    last_stream_seq = m.stream_seq;
    EventsHeader h;
    if (!decode_events_header(m.data, h)) {
      reject("an events message", m.subject, m.data);
      return;
    }
    if (h.generation != info.generation && !adopt_generation(h.generation)) {
      recover_due = true;
      return;
    }
    gap_pending = chain_next != 0 && h.first_seq > chain_next;
    first_record = true;
    live_tail = m.pending == 0;
    next_event_seq = h.first_seq;
    if (!decode_events(m.data, h, *this, record_scratch)) {
      reject("an events message", m.subject, m.data);
      untrust_all();  // records after the fault are unknown
    }
    before_record(false);  // a message without records still reveals a gap
    if (h.last_seq + 1 > chain_next) chain_next = h.last_seq + 1;
    if (m.pending == 0) finish_catch_up(now);
  }

  // The replay reached the end of the stream without contradicting any
  // loaded snapshot: those books are exact again.
  void finish_catch_up(std::int64_t now) {
    replaying = false;
    const shm::Status venue = imposed(now);
    for (std::uint32_t i = 0; i < books.size(); ++i) {
      if (!books[i].catching_up) continue;
      books[i].catching_up = false;
      books[i].trusted = true;
      publish(i, venue);
    }
    for (MirrorPosition& p : positions) {
      if (!p.catching_up) continue;
      p.catching_up = false;
      p.trusted = true;
    }
    show_positions(now);
  }

  // ---- recovery --------------------------------------------------------------------------
  // Loads the latest snapshot of every untrusted book and replays the stream
  // from the earliest of their positions.
  void recover(std::int64_t now) {
    if (!recover_due || now < next_recover_ns) return;
    next_recover_ns = now + options.recover_retry_ms * kMs;
    recover_due = false;
    counters.recoveries.fetch_add(1, std::memory_order_relaxed);
    std::string err;
    StoredMsg m;
    VenueInfo fresh;
    if (client.last_message(names.state_stream(), names.venue_info(name), m, err) == 1 &&
        decode_venue_info(m.data, fresh) && fresh.generation != info.generation &&
        !adopt_generation(fresh.generation)) {
      recover_due = true;
      return;
    }
    std::uint64_t start = 0;
    bool loaded = false;
    for (std::uint32_t i = 0; i < books.size(); ++i) {
      // A book replaying from its snapshot is on its way: reloading it would
      // restart the replay for ever on a long one.
      if (books[i].trusted || books[i].catching_up) continue;
      std::uint64_t hint = 0;
      if (!load_snapshot(i, hint, now)) {
        recover_due = true;
        continue;
      }
      start = loaded ? std::min(start, hint) : hint;
      loaded = true;
    }
    if (!positions_synced) {
      std::uint64_t hint = 0;
      if (load_positions(hint, now)) {
        start = loaded ? std::min(start, hint) : hint;
        loaded = true;
      } else {
        recover_due = true;
      }
    }
    if (loaded) {
      replaying = true;
      resubscribe(start == 0 ? 1 : start, start);
    } else if (consumer == nullptr) {
      resubscribe(0, 0);
    }
  }

  [[nodiscard]] bool load_snapshot(std::uint32_t i, std::uint64_t& hint, std::int64_t now) {
    StoredMsg m;
    std::string err;
    SnapshotHeader h;
    const std::string subject = names.snapshot(name, i);
    if (client.last_message(names.state_stream(), subject, m, err) != 1) return false;
    shm::Reference reference;
    if (!decode_snapshot(m.data, h, record_scratch, reference)) {
      reject("a book snapshot", subject, m.data);
      return false;
    }
    if (h.generation != info.generation || record_scratch.instrument != i) return false;
    MirrorBook& b = books[i];
    b.bids = record_scratch.bids;
    b.asks = record_scratch.asks;
    b.meta = record_scratch;
    b.meta.bids.clear();
    b.meta.asks.clear();
    b.has_base = true;
    b.trusted = false;
    b.catching_up = true;
    publish(i, imposed(now));
    hold_reference(i, reference);
    hint = h.js_hint;
    counters.snapshots_loaded.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // The bridge sends at least every heartbeat; a long silence on a live
  // connection may be a consumer that did not survive a broker restart.
  // Resubscribing after the last message costs nothing when the bridge is
  // simply gone (the sequence chain still checks what comes).
  void watch_consumer(std::int64_t now) {
    const std::int64_t silence = 3 * options.stale_ms * kMs;
    if (now - last_msg_ns < silence || now - last_resubscribe_ns < silence || !client.connected()) {
      return;
    }
    if (last_stream_seq == 0) {
      recover_due = true;
      next_recover_ns = 0;
      last_resubscribe_ns = now;
      return;
    }
    resubscribe(last_stream_seq + 1, 0);
  }

  // start_seq 0: new messages only. expect: the stream seq the first message
  // must carry (0: no check).
  void resubscribe(std::uint64_t start_seq, std::uint64_t expect) {
    last_resubscribe_ns = now_ns();
    consumer.reset();
    std::string err;
    consumer = client.subscribe(names.events_stream(), names.events(name), start_seq, err);
    if (consumer == nullptr) {
      recover_due = true;
      return;
    }
    expect_stream_seq = expect;
  }
};

std::uint64_t LatencyRecorder::count() const noexcept {
  std::uint64_t n = 0;
  for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
  return n;
}

std::int64_t LatencyRecorder::quantile_us(double q) const noexcept {
  const std::uint64_t n = count();
  if (n == 0) return -1;
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(n - 1));
  std::uint64_t seen = 0;
  for (std::size_t k = 0; k < buckets_.size(); ++k) {
    seen += buckets_[k].load(std::memory_order_relaxed);
    if (seen > rank) return static_cast<std::int64_t>(k + 1);
  }
  return static_cast<std::int64_t>(buckets_.size());
}

void LatencyRecorder::clear() noexcept {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
}

Mirror::Mirror(MirrorOptions options, Client& client)
    : options_(std::move(options)), client_(client) {
  names_.instance = options_.source;
}

Mirror::~Mirror() = default;

namespace {
// The last message on `subject` of the state stream, waiting up to wait_ms.
bool wait_state(Client& client, const Names& names, const std::string& subject,
                std::int64_t wait_ms, StoredMsg& out, std::string& error) {
  const std::int64_t now = now_ns();
  const std::int64_t deadline =
      wait_ms >= (INT64_MAX - now) / kMs ? INT64_MAX : now + wait_ms * kMs;  // "forever" saturates
  for (;;) {
    const int r = client.last_message(names.state_stream(), subject, out, error);
    if (r == 1) return true;
    if (now_ns() >= deadline) {
      if (r == 0) error = "nothing published on " + subject + " yet (is the bridge running?)";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}
}  // namespace

bool Mirror::start(std::int64_t wait_ms, std::string& error) {
  if (!valid_token(options_.source)) {
    error = "source instance '" + options_.source + "' is not a NATS subject token";
    return false;
  }
  StoredMsg m;
  std::vector<std::string> listed;
  if (!wait_state(client_, names_, names_.instance_info(), wait_ms, m, error)) return false;
  if (!decode_instance_info(m.data, listed)) {
    error = "malformed instance info on " + names_.instance_info();
    return false;
  }
  for (const auto& name : listed) {
    if (!options_.venues.empty() &&
        std::find(options_.venues.begin(), options_.venues.end(), name) == options_.venues.end()) {
      continue;
    }
    auto v = std::make_unique<Venue>(name, options_, client_, names_, counters_);
    v->layout_changed = &layout_changed_;
    if (!wait_state(client_, names_, names_.venue_info(name), wait_ms, m, error)) return false;
    if (!decode_venue_info(m.data, v->info)) {
      error = "malformed venue info for " + name;
      return false;
    }
    if (!v->create_writer(error)) return false;
    venues_.push_back(std::move(v));
  }
  if (venues_.empty()) {
    error = "no venue to mirror";
    return false;
  }
  return create_control(error);
}

bool Mirror::create_control(std::string& error) {
  std::vector<shm::VenueConfig> configs;
  for (auto& v : venues_) {
    const std::lock_guard<std::mutex> lock(v->config_mutex);
    configs.push_back(v->config);
  }
  control_.reset();
  const shm::CreateStatus st =
      shm::ControlWriter::create(options_.segments, options_.instance, configs, control_);
  if (!st.ok()) {
    error = "cannot create control segment: " + st.detail;
    return false;
  }
  control_->heartbeat(now_ns());
  control_->set_state(shm::SegmentState::live);
  return true;
}

void Mirror::run_venue(Venue& v, bool (*stop)()) {
  StoredMsg m;
  std::string err;
  while (!stop()) {
    const std::int64_t now = now_ns();
    v.recover(now);
    if (v.consumer != nullptr) {
      const int r = v.consumer->next(m, options_.spin ? 0 : kPollMs, err);
      if (r == 1) v.handle(m, now_ns());
      if (r < 0) v.resubscribe(v.last_stream_seq + 1, 0);  // the seq chain still checks
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    }
    const std::int64_t after = now_ns();
    v.watch_consumer(after);
    if (after >= v.next_idle_ns) {
      v.writer->idle(after);  // heartbeat; a HEARTBEAT event only when nothing was appended
      v.next_idle_ns = after + 100 * kMs;
    }
    v.refresh_statuses(after);
    v.show_positions(after);
  }
  // Graceful stop: DESIGN §7 — books DISCONNECTED, segment CLOSED.
  v.source_live = static_cast<std::uint8_t>(shm::Liveness::closed);
  v.refresh_statuses(now_ns());
  v.show_positions(now_ns());
  v.writer->set_state(shm::SegmentState::closed);
}

void Mirror::run(bool (*stop)()) {
  std::vector<std::thread> threads;
  for (auto& v : venues_) threads.emplace_back([this, &v, stop] { run_venue(*v, stop); });
  std::string err;
  while (!stop()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (layout_changed_.exchange(false, std::memory_order_acquire)) (void)create_control(err);
    if (control_ != nullptr) control_->heartbeat(now_ns());
  }
  for (auto& t : threads) t.join();
  if (control_ != nullptr) control_->set_state(shm::SegmentState::closed);
}

}  // namespace wirebook::nats
