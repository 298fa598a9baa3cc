#include "tools/nats/bridge.hpp"

#include <sys/prctl.h>
#include <time.h>

#include <cstdio>
#include <random>

#include <wirebook/reader.hpp>

#include "tools/nats/wire.hpp"

namespace wirebook::nats {

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kRefreshNs = 50 * kMs;  // source liveness re-evaluated this often
constexpr std::size_t kMaxEventsPerStep = 4096;

// Events that a later publication of their book reflects (the slot's
// ring_seq covers them). STATUS is not one: commit() appends it after the
// publication.
bool book_event(shm::EventType t) noexcept {
  return t == shm::EventType::level || t == shm::EventType::snapshot_begin ||
         t == shm::EventType::snapshot_end;
}

std::string random_nonce() {
  std::random_device rd;
  char buf[20];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

}  // namespace

// What the bridge last sent for one book: the mirror holds exactly this.
struct Shadow {
  BookRecord sent;                    // full levels, meta of the last BOOK record
  bool valid = false;                 // something was sent since the last reset
  bool snapshot_due = false;          // publish `sent` to the state stream after the next flush
  std::uint64_t last_book_event = 0;  // seq of the last LEVEL/SNAPSHOT event forwarded
  std::uint64_t position = 0;         // forwarded seq when `sent` was encoded
  // The book's reference slot as last sent (update_count 0: none since the
  // last hole); it rides along in the book's snapshot.
  shm::Reference reference_sent;
};

struct Bridge::Venue {
  std::string name;
  std::string events_subject;
  shm::VenueReader reader;
  shm::RingCursor cursor;
  std::uint64_t generation = 0;
  std::uint64_t forwarded = 0;  // seq of the last event encoded (next message starts after it)
  EventsEncoder enc;
  bool open = false;
  bool reset_pending = false;
  ResetReason reset_reason = ResetReason::bridge_start;
  std::uint64_t reset_lost = 0;
  std::vector<Shadow> books;
  // Per position slot: the content last sent (update_count 0: none since the
  // last hole). positions_sync: some slot's content may be missing at the
  // mirror (start, hole, new generation): collect_positions() sends them.
  std::vector<shm::Position> positions_sent;
  bool positions_sync = true;
  bool positions_snapshot_due = true;
  bool references_sync = true;  // some reference slot may be missing at the mirror
  std::vector<shm::Level> bids, asks, scratch;
  BookRecord record;
  shm::Liveness live = shm::Liveness::alive;
  bool live_changed = true;
  std::int64_t last_publish_ns = 0;
  std::int64_t next_refresh_ns = 0;
  std::int64_t next_snapshot_ns = 0;
  std::atomic<std::uint64_t> acked_stream_seq{0};
  std::atomic<bool> publish_failed{false};
};

Bridge::Bridge(BridgeOptions options, Client& client)
    : options_(std::move(options)), client_(client), nonce_(random_nonce()) {
  names_of_.instance = options_.instance;
}

Bridge::~Bridge() = default;

void Bridge::on_ack(std::string_view subject, bool ok, std::uint64_t stream_seq) {
  for (auto& v : venues_) {
    if (subject != v->events_subject) continue;
    if (!ok) {
      v->publish_failed.store(true, std::memory_order_relaxed);
      return;
    }
    std::uint64_t cur = v->acked_stream_seq.load(std::memory_order_relaxed);
    while (cur < stream_seq &&
           !v->acked_stream_seq.compare_exchange_weak(cur, stream_seq, std::memory_order_relaxed)) {
    }
    return;
  }
}

bool Bridge::start(std::string& error) {
  if (!valid_token(options_.instance)) {
    error = "instance name '" + options_.instance + "' is not a NATS subject token ([A-Za-z0-9_-])";
    return false;
  }
  shm::InstanceReader inst;
  if (const auto e = shm::InstanceReader::open(options_.dir, inst); e != shm::OpenError::ok) {
    error = "cannot open instance at " + options_.dir + ": " + shm::to_string(e);
    return false;
  }
  std::vector<std::string> wanted = options_.venues;
  if (wanted.empty()) {
    for (std::uint32_t i = 0; i < inst.venue_count(); ++i) wanted.emplace_back(inst.venue_name(i));
  }
  StreamSpec ev{names_of_.events_stream(),
                {names_of_.events_wildcard()},
                options_.file_storage,
                options_.max_age_ms,
                options_.max_bytes,
                -1,
                -1,
                options_.duplicates_window_ms};
  StreamSpec state{
      names_of_.state_stream(),
      {names_of_.instance_info(), names_of_.venue_info_wildcard(), names_of_.snapshot_wildcard()},
      options_.file_storage,
      0,
      -1,
      -1,
      1,
      0};
  if (!client_.ensure_stream(ev, error) || !client_.ensure_stream(state, error)) return false;
  for (const auto& name : wanted) {
    if (!open_venue(name, error)) return false;
  }
  publish_or_flag(*venues_.front(), names_of_.instance_info(), encode_instance_info(names_), "");
  for (auto& v : venues_) {
    publish_venue_info(*v);
    resume_or_reset(*v);
  }
  return true;
}

bool Bridge::open_venue(const std::string& name, std::string& error) {
  if (!valid_token(name)) {
    error = "venue name '" + name + "' is not a NATS subject token ([A-Za-z0-9_-])";
    return false;
  }
  auto v = std::make_unique<Venue>();
  if (const auto e = shm::VenueReader::open(options_.dir, name, v->reader);
      e != shm::OpenError::ok) {
    error = "cannot open venue " + name + ": " + shm::to_string(e);
    return false;
  }
  v->name = name;
  v->events_subject = names_of_.events(name);
  v->generation = v->reader.generation();
  v->books.resize(v->reader.instrument_count());
  v->positions_sent.resize(v->reader.position_capacity());
  venues_.push_back(std::move(v));
  names_.push_back(name);
  return true;
}

// Continues the sequence where the last stored message ended when it belongs
// to this generation and the ring still holds what follows; otherwise the
// first message announces the hole with a RESET record.
void Bridge::resume_or_reset(Venue& v) {
  StoredMsg last;
  std::string err;
  EventsHeader h;
  const bool resumable =
      client_.last_message(names_of_.events_stream(), v.events_subject, last, err) == 1 &&
      decode_events_header(last.data, h) && h.generation == v.generation;
  if (resumable) {
    v.cursor = v.reader.cursor_from(h.last_seq + 1);
    v.forwarded = h.last_seq;
    v.acked_stream_seq.store(last.stream_seq, std::memory_order_relaxed);
  } else {
    v.cursor = v.reader.cursor_from(1);
    v.forwarded = 0;
    v.reset_pending = true;
    v.reset_reason = ResetReason::bridge_start;
    v.reset_lost = 0;
  }
}

void Bridge::publish_venue_info(Venue& v) {
  VenueInfo info;
  info.generation = v.reader.generation();
  info.depth = v.reader.depth();
  info.ring_capacity = v.reader.ring_capacity();
  info.position_capacity = v.reader.position_capacity();
  for (std::uint32_t i = 0; i < v.reader.instrument_count(); ++i) {
    info.symbols.emplace_back(v.reader.symbol(i));
  }
  publish_or_flag(v, names_of_.venue_info(v.name), encode_venue_info(info), "");
}

void Bridge::publish_or_flag(Venue& v, const std::string& subject, std::string_view data,
                             const std::string& msg_id) {
  std::string err;
  if (client_.publish_async(subject, data, msg_id, err)) {
    counters_.messages.fetch_add(1, std::memory_order_relaxed);
    counters_.bytes.fetch_add(data.size(), std::memory_order_relaxed);
    return;
  }
  counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
  v.publish_failed.store(true, std::memory_order_relaxed);
}

void Bridge::open_message(Venue& v) {
  if (v.open) return;
  v.enc.begin(v.generation, v.forwarded + 1);
  v.open = true;
  if (v.reset_pending) {
    v.enc.reset(v.reset_reason, v.reset_lost);
    counters_.resets.fetch_add(1, std::memory_order_relaxed);
    v.reset_pending = false;
  }
  if (v.live_changed) {
    v.enc.source(static_cast<std::uint8_t>(v.live));
    v.live_changed = false;
  }
}

void Bridge::flush(Venue& v) {
  if (!v.open) return;
  v.open = false;
  const std::string id = nonce_ + "-" + std::to_string(++msg_counter_);
  publish_or_flag(v, v.events_subject, v.enc.finish(), id);
}

// A hole: everything the mirror holds of this venue must be re-sent in full.
static void forget_sent(Bridge::Venue& v) {
  for (Shadow& s : v.books) {
    s.valid = false;
    s.last_book_event = 0;
  }
  for (shm::Position& p : v.positions_sent) p.update_count = 0;
  v.positions_sync = true;
  v.references_sync = true;
}

void Bridge::new_generation(Venue& v) {
  v.generation = v.reader.generation();
  v.books.assign(v.reader.instrument_count(), Shadow{});
  v.positions_sent.assign(v.reader.position_capacity(), shm::Position{});
  v.positions_sync = true;
  v.positions_snapshot_due = true;
  v.references_sync = true;
  v.cursor = v.reader.cursor_from(1);
  v.forwarded = 0;
  v.reset_pending = true;
  v.reset_reason = ResetReason::writer_restart;
  v.reset_lost = 0;
  publish_venue_info(v);
}

std::size_t Bridge::drain_ring(Venue& v) {
  std::size_t n = 0;
  shm::Event ev;
  std::uint64_t lost = 0;
  while (n < kMaxEventsPerStep) {
    const shm::RingCursor before = v.cursor;
    const shm::PollResult r = v.reader.poll(v.cursor, ev, lost);
    if (r == shm::PollResult::nothing) break;
    if (r == shm::PollResult::lapped) {
      flush(v);
      v.forwarded = v.cursor.next - 1;
      v.reset_pending = true;
      v.reset_reason = ResetReason::lapped;
      v.reset_lost = lost;
      counters_.laps.fetch_add(1, std::memory_order_relaxed);
      forget_sent(v);
      continue;
    }
    if (r == shm::PollResult::reset) {
      flush(v);
      new_generation(v);
      continue;
    }
    open_message(v);
    if ((ev.type == shm::EventType::position && !send_position(v, ev.instrument, true)) ||
        (ev.type == shm::EventType::reference && !send_reference(v, ev.instrument, true))) {
      v.cursor = before;  // the slot is being rewritten: this event next step
      break;
    }
    v.enc.event(ev);
    v.forwarded = ev.seq;
    if (ev.instrument < v.books.size() && book_event(ev.type)) {
      v.books[ev.instrument].last_book_event = ev.seq;
    }
    ++n;
    if (v.enc.size() >= options_.max_message_bytes) flush(v);
  }
  counters_.events.fetch_add(n, std::memory_order_relaxed);
  return n;
}

namespace {
void fill_meta(BookRecord& r, std::uint32_t i, const shm::BookView& view) {
  r.instrument = i;
  r.status = static_cast<std::uint8_t>(view.top.status);
  r.flags = view.top.flags;
  r.px_exp = view.top.px_exp;
  r.qty_exp = view.top.qty_exp;
  r.version = view.top.version;
  r.update_count = view.update_count;
  r.ts_exchange_ns = view.top.ts_exchange_ns;
  r.ts_recv_ns = view.ts_recv_ns;
  r.ts_publish_ns = view.ts_publish_ns;
  r.ring_seq = view.ring_seq;
}
}  // namespace

// Sends every book whose slot changed and sits at the current stream
// position (see the ordering contract in bridge.hpp); others wait a step.
std::size_t Bridge::collect_books(Venue& v) {
  std::size_t n = 0;
  const std::uint32_t depth = v.reader.depth();
  v.bids.resize(depth);
  v.asks.resize(depth);
  for (std::uint32_t i = 0; i < v.books.size(); ++i) {
    Shadow& s = v.books[i];
    shm::BookView view;
    if (v.reader.read_book(i, view, nullptr, nullptr, 0) != shm::ReadResult::ok) continue;
    if (s.valid && view.update_count == s.sent.update_count) continue;
    if (v.reader.read_book(i, view, v.bids.data(), v.asks.data(), depth) != shm::ReadResult::ok) {
      continue;
    }
    if (view.ring_seq < s.last_book_event || view.ring_seq > v.forwarded) continue;
    BookRecord& r = v.record;
    fill_meta(r, i, view);
    const std::span<const shm::Level> bids(v.bids.data(), view.bids);
    const std::span<const shm::Level> asks(v.asks.data(), view.asks);
    r.full = !s.valid || r.px_exp != s.sent.px_exp || r.qty_exp != s.sent.qty_exp;
    r.base_update_count = s.valid ? s.sent.update_count : 0;
    if (r.full) {
      r.bids.assign(bids.begin(), bids.end());
      r.asks.assign(asks.begin(), asks.end());
    } else {
      diff_side(s.sent.bids, bids, false, r.bids);
      diff_side(s.sent.asks, asks, true, r.asks);
    }
    open_message(v);
    v.enc.book(r);
    // A resync shows as a new snapshot at the source: publish it too.
    s.snapshot_due = s.snapshot_due || r.full || view.top.status != shm::Status::live ||
                     s.sent.status != r.status;
    s.sent = r;
    s.sent.bids.assign(bids.begin(), bids.end());
    s.sent.asks.assign(asks.begin(), asks.end());
    s.sent.full = true;
    s.sent.base_update_count = 0;
    s.valid = true;
    s.position = v.forwarded;
    ++n;
  }
  counters_.book_records.fetch_add(n, std::memory_order_relaxed);
  return n;
}

// What send_position and send_reference share: `read` fills `value` from a
// field slot; unless the mirror already has that update (`sent`), `encode`
// adds its record to the open message. False when the slot could not be read
// (the writer kept rewriting it). Empty or out of range: no content to send
// (the event, if any, still goes).
template <class Value, class Read, class Encode>
bool Bridge::send_slot(Venue& v, Value& value, Value& sent, Read read, Encode encode,
                       std::atomic<std::uint64_t>& records) {
  const shm::ReadResult result = read(value);
  if (result == shm::ReadResult::busy) return false;
  if (result != shm::ReadResult::ok || sent.update_count == value.update_count) return true;
  open_message(v);
  encode();
  sent = value;
  records.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// Sends slot `slot`'s content unless the mirror already has it (send_slot).
// with_event: the slot's POSITION event is encoded next.
bool Bridge::send_position(Venue& v, std::uint32_t slot, bool with_event) {
  PositionRecord r{.slot = slot, .with_event = with_event, .position = {}};
  return send_slot(
      v, r.position, v.positions_sent[slot],
      [&](shm::Position& p) { return v.reader.read_position(slot, p); }, [&] { v.enc.position(r); },
      counters_.position_records);
}

// After a start or a hole: every used slot whose content was not sent since.
std::size_t Bridge::collect_positions(Venue& v) {
  if (!v.positions_sync) return 0;
  const std::uint64_t before = counters_.position_records.load(std::memory_order_relaxed);
  bool complete = true;
  const std::uint32_t used = v.reader.position_count();
  for (std::uint32_t slot = 0; slot < used; ++slot) {
    complete = send_position(v, slot, false) && complete;
  }
  v.positions_sync = !complete;
  // The first complete set since a hole goes out at once; later changes
  // with the periodic snapshot (a replay from an older one is longer only).
  v.positions_snapshot_due = v.positions_snapshot_due || complete;
  return counters_.position_records.load(std::memory_order_relaxed) - before;
}

// The venue's positions as one message (slots 0..n-1), once every used slot
// was sent since the last hole: its JetStream hint precedes every record
// sent after it, so a replay from there brings a loaded snapshot up to date.
void Bridge::publish_positions(Venue& v, bool periodic) {
  if (v.positions_sync || !(v.positions_snapshot_due || periodic)) return;
  v.positions_snapshot_due = false;
  PositionsSnapshot snap;
  snap.header = {v.generation, v.forwarded, v.acked_stream_seq.load(std::memory_order_relaxed)};
  for (const shm::Position& p : v.positions_sent) {
    if (p.update_count == 0) break;
    snap.slots.push_back(p);
  }
  publish_or_flag(v, names_of_.positions(v.name), encode_positions(snap), "");
  counters_.snapshots.fetch_add(1, std::memory_order_relaxed);
}

// Sends book i's reference slot unless the mirror already has it (send_slot).
// with_event: its REFERENCE event is encoded next.
bool Bridge::send_reference(Venue& v, std::uint32_t i, bool with_event) {
  if (i >= v.books.size()) return true;  // no slot: the event still goes
  ReferenceRecord r{.instrument = i, .with_event = with_event, .reference = {}};
  return send_slot(
      v, r.reference, v.books[i].reference_sent,
      [&](shm::Reference& ref) { return v.reader.read_reference(i, ref); },
      [&] { v.enc.reference(r); }, counters_.reference_records);
}

// After a start or a hole: every reference slot not sent since.
std::size_t Bridge::collect_references(Venue& v) {
  if (!v.references_sync) return 0;
  const std::uint64_t before = counters_.reference_records.load(std::memory_order_relaxed);
  bool complete = true;
  for (std::uint32_t i = 0; i < v.books.size(); ++i) {
    complete = send_reference(v, i, false) && complete;
  }
  v.references_sync = !complete;
  return counters_.reference_records.load(std::memory_order_relaxed) - before;
}

void Bridge::publish_snapshots(Venue& v, std::int64_t now) {
  const bool periodic = now >= v.next_snapshot_ns;
  if (periodic) v.next_snapshot_ns = now + options_.snapshot_interval_ms * kMs;
  publish_positions(v, periodic);
  for (std::uint32_t i = 0; i < v.books.size(); ++i) {
    Shadow& s = v.books[i];
    if (!s.valid || !(s.snapshot_due || periodic)) continue;
    s.snapshot_due = false;
    SnapshotHeader h{v.generation, s.position, v.acked_stream_seq.load(std::memory_order_relaxed)};
    publish_or_flag(v, names_of_.snapshot(v.name, i), encode_snapshot(h, s.sent, s.reference_sent),
                    "");
    counters_.snapshots.fetch_add(1, std::memory_order_relaxed);
  }
}

void Bridge::housekeeping(Venue& v, std::int64_t now) {
  if (now >= v.next_refresh_ns) {
    v.next_refresh_ns = now + kRefreshNs;
    const shm::Liveness live = v.reader.refresh(now);
    if (live != v.live) {
      v.live = live;
      v.live_changed = true;
    }
  }
  if (v.publish_failed.exchange(false, std::memory_order_relaxed)) {
    // Something already counted as sent may be missing from the stream.
    v.reset_pending = true;
    v.reset_reason = ResetReason::publish_failed;
    v.reset_lost = 0;
    forget_sent(v);
  }
  if (v.live_changed || v.reset_pending || now - v.last_publish_ns >= options_.heartbeat_ms * kMs) {
    open_message(v);
    if (v.enc.record_count() == 0) v.enc.source(static_cast<std::uint8_t>(v.live));
  }
}

std::size_t Bridge::step(std::int64_t now) {
  std::size_t work = 0;
  for (auto& vp : venues_) {
    Venue& v = *vp;
    housekeeping(v, now);
    work += drain_ring(v);
    work += collect_books(v);
    work += collect_positions(v);
    work += collect_references(v);
    if (v.open) {
      flush(v);
      v.last_publish_ns = now;
    }
    publish_snapshots(v, now);
  }
  return work;
}

void Bridge::run(bool (*stop)()) {
  // Idle sleeps are short: keep the kernel's timer slack out of the latency.
  (void)::prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
  while (!stop()) {
    if (step(shm::detail::monotonic_ns()) == 0 && options_.idle_sleep_us > 0) {
      struct timespec ts {
        0, options_.idle_sleep_us * 1000
      };
      ::nanosleep(&ts, nullptr);
    }
  }
  (void)client_.flush_async(2000);
}

}  // namespace wirebook::nats
