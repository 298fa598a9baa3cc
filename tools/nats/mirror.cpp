#include "tools/nats/mirror.hpp"

#include <time.h>

#include <algorithm>
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
};

bool same_layout(const VenueInfo& a, const VenueInfo& b) {
  return a.depth == b.depth && a.ring_capacity == b.ring_capacity && a.symbols == b.symbols;
}

shm::VenueConfig config_of(const std::string& name, const VenueInfo& info) {
  shm::VenueConfig c;
  c.name = name;
  c.symbols = info.symbols;
  c.depth = info.depth;
  c.ring_capacity = info.ring_capacity;
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
    const std::lock_guard<std::mutex> lock(config_mutex);
    config = c;
    return true;
  }

  // ---- statuses ----------------------------------------------------------------
  [[nodiscard]] shm::Status effective(const MirrorBook& b, std::int64_t now) const {
    const auto live = static_cast<shm::Liveness>(source_live);
    if (!client.connected() || live == shm::Liveness::dead || live == shm::Liveness::closed ||
        live == shm::Liveness::missing) {
      return shm::Status::disconnected;
    }
    if (now - last_msg_ns > options.stale_ms * kMs || live != shm::Liveness::alive) {
      return shm::Status::stale;
    }
    if (!b.has_base || !b.trusted) return shm::Status::resyncing;
    return static_cast<shm::Status>(b.meta.status);
  }

  void publish(std::uint32_t i, std::int64_t now, bool fresh_record = false) {
    MirrorBook& b = books[i];
    const shm::Status status = effective(b, now);
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
    for (std::uint32_t i = 0; i < books.size(); ++i) {
      if (books[i].published && effective(books[i], now) != books[i].shown) publish(i, now);
    }
  }

  void abandon_catch_up() {
    for (MirrorBook& b : books) b.catching_up = false;
    recover_due = true;
  }

  void untrust_all() {
    for (MirrorBook& b : books) {
      b.trusted = false;
      b.catching_up = false;
    }
    recover_due = true;
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
    publish(r.instrument, now_ns(), true);
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
    const bool recreate = !same_layout(fresh, info);
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
    }
    chain_next = 0;
    ring_next = 0;
    recover_due = true;
    return true;
  }

  void handle(const StoredMsg& m, std::int64_t now) {
    counters.messages.fetch_add(1, std::memory_order_relaxed);
    last_msg_ns = now;
    EventsHeader h;
    if (!decode_events_header(m.data, h)) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
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
    if (h.generation != info.generation && !adopt_generation(h.generation)) {
      recover_due = true;
      return;
    }
    gap_pending = chain_next != 0 && h.first_seq > chain_next;
    first_record = true;
    live_tail = m.pending == 0;
    if (!decode_events(m.data, h, *this, record_scratch)) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      untrust_all();  // records after the fault are unknown
    }
    before_record(false);  // a message without records still reveals a gap
    if (h.last_seq + 1 > chain_next) chain_next = h.last_seq + 1;
    if (m.pending == 0) finish_catch_up(now);
  }

  // The replay reached the end of the stream without contradicting any
  // loaded snapshot: those books are exact again.
  void finish_catch_up(std::int64_t now) {
    for (std::uint32_t i = 0; i < books.size(); ++i) {
      if (!books[i].catching_up) continue;
      books[i].catching_up = false;
      books[i].trusted = true;
      publish(i, now);
    }
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
    if (loaded) {
      resubscribe(start == 0 ? 1 : start, start);
    } else if (consumer == nullptr) {
      resubscribe(0, 0);
    }
  }

  [[nodiscard]] bool load_snapshot(std::uint32_t i, std::uint64_t& hint, std::int64_t now) {
    StoredMsg m;
    std::string err;
    SnapshotHeader h;
    if (client.last_message(names.state_stream(), names.snapshot(name, i), m, err) != 1 ||
        !decode_snapshot(m.data, h, record_scratch) || h.generation != info.generation ||
        record_scratch.instrument != i) {
      return false;
    }
    MirrorBook& b = books[i];
    b.bids = record_scratch.bids;
    b.asks = record_scratch.asks;
    b.meta = record_scratch;
    b.meta.bids.clear();
    b.meta.asks.clear();
    b.has_base = true;
    b.trusted = false;
    b.catching_up = true;
    publish(i, now);
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
      const int r = v.consumer->next(m, kPollMs, err);
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
  }
  // Graceful stop: DESIGN §7 — books DISCONNECTED, segment CLOSED.
  v.source_live = static_cast<std::uint8_t>(shm::Liveness::closed);
  v.refresh_statuses(now_ns());
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
