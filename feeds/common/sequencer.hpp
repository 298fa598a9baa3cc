#pragma once
// The one sequencer (DESIGN.md §1, §5). Per instrument it owns the book's
// phase (idle, awaiting a snapshot, live), the snapshot request with retries
// (a pause, then the full timeout), the deltas that arrive before the
// snapshot (buffered and aligned on it), the chain check of every delta, a
// break (GAP event, RESYNCING, the venue's resync action) and staleness.
//
// A venue module supplies only two things: its chain rule, a struct with
//   static Link link(const ChainHead& head, const ChainKeys& delta) noexcept;
// given as the template argument of on_delta/on_snapshot (inlined on the hot
// path), and its resync action, a SnapshotSource (send a snapshot request,
// resubscribe one instrument, reconnect a stream).
//
// Threading: the venue thread only. Frame and timer methods never allocate and
// never throw (a throwing SnapshotSource is retried from the timer).
#include <cstdint>
#include <span>
#include <vector>

#include "feeds/common/level_text.hpp"
#include "feeds/common/venue_books.hpp"

namespace wirebook::feeds {

// The chain keys a delta carries, as the venue's parser found them.
struct ChainKeys {
  std::int64_t prev = 0;  // the key it follows: prevTs, prev_change_id, prev_seq ...
  std::int64_t key = 0;   // its own key: ts, change_id, seq, seqNum, eventSeq ...
  bool has_prev = true;
  bool has_key = true;
  // What a GAP event reports as received.
  [[nodiscard]] std::int64_t received() const noexcept {
    return has_prev ? prev : (has_key ? key : -1);
  }
};

// The chain head of a LIVE book: the key of the last applied update.
struct ChainHead {
  std::int64_t last = 0;
  bool keyed = true;  // false: the snapshot carried no key (nothing to check yet)
};

enum class Link : std::uint8_t { next, stale, gap };

// prevTs == last ts (WOO), prev_change_id == last change_id (Pulse).
struct PrevIsLast {
  static Link link(const ChainHead& h, const ChainKeys& k) noexcept {
    return k.has_prev && k.prev == h.last ? Link::next : Link::gap;
  }
};

// The resync action of a venue: how it gets a fresh snapshot of one instrument.
class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  // Ask for a snapshot of `i` (a request, a resubscription, a stream
  // reconnect). `attempt` counts the asks since the book was last LIVE, from 1
  // (the first subscription counts when the venue made it itself). May throw
  // (allocation in the transport): the sequencer asks again after the pause.
  virtual void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns, int attempt) = 0;
};

struct SequencerOptions {
  std::int64_t stale_after_ns = 60'000'000'000;       // no data for a LIVE book: STALE
  std::int64_t snapshot_timeout_ns = 10'000'000'000;  // no snapshot since the ask: ask again
  std::int64_t retry_pause_ns = 200'000'000;          // a snapshot behind the chain: ask again
  int quick_retries = 10;                             // ... this often, then after the timeout
  bool buffer_deltas = false;  // keep deltas that come before the snapshot and align them on it
  bool keep_breaking_delta = false;  // a delta that broke the chain may follow the next snapshot
  bool solicited_snapshots_only = false;  // a snapshot is an answer: ignore it unless awaited
};

enum class Phase : std::uint8_t { idle, awaiting_snapshot, live };

enum class SnapshotResult : std::uint8_t {
  live,       // applied (with the aligned buffered deltas): the book is LIVE
  ignored,    // not awaited (idle, or an unsolicited answer)
  behind,     // older than the buffered chain: asked again
  malformed,  // bad levels: counted, asked again
};

class Sequencer {
 public:
  Sequencer(VenueBooks& books, SnapshotSource& source, SequencerOptions options);

  // --- connection (cold) -----------------------------------------------------
  // The connection is open: every book SYNCING and idle until the venue asks
  // for its snapshot (request) or says its subscription will bring one (awaiting).
  void on_connected(std::int64_t now_mono_ns) noexcept;
  // The connection is gone: every book DISCONNECTED and idle.
  void on_disconnected() noexcept;
  void request(std::uint32_t i, std::int64_t now_mono_ns) noexcept;
  void awaiting(std::uint32_t i, std::int64_t now_mono_ns) noexcept;
  // The venue refused i's subscription: never trusted, never asked again.
  void refuse(std::uint32_t i) noexcept;
  // The venue answered i's request with an error: ask again after the timeout.
  void retry_later(std::uint32_t i, std::int64_t now_mono_ns) noexcept;
  // A break the venue found itself (e.g. a REST drift check): GAP, RESYNCING, ask.
  void resync(std::uint32_t i, std::int64_t expected, std::int64_t received,
              std::int64_t now_mono_ns) noexcept;
  // An unparseable frame that named instrument i: a LIVE book resyncs at once.
  void on_broken_frame(std::uint32_t i, std::int64_t now_mono_ns) noexcept;

  // --- frames (hot) -----------------------------------------------------------
  template <class Rule>
  void on_delta(std::uint32_t i, const ChainKeys& keys, std::span<const LevelText> bids,
                std::span<const LevelText> asks, std::int64_t ts_exchange_ns,
                std::int64_t ts_recv_ns, std::int64_t now_mono_ns) noexcept;
  // A full book of i; `keys.key` is its chain key (has_key false: none).
  template <class Rule>
  SnapshotResult on_snapshot(std::uint32_t i, const ChainKeys& keys,
                             std::span<const LevelText> bids, std::span<const LevelText> asks,
                             std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns,
                             std::int64_t now_mono_ns) noexcept;

  // --- timer (cold) -------------------------------------------------------------
  // Snapshot asks that are due, and LIVE books without data turning STALE.
  void on_timer(std::int64_t now_mono_ns) noexcept;

  [[nodiscard]] Phase phase(std::uint32_t i) const noexcept { return state_[i].phase; }
  // Prefetches every book's chain state (an idle venue thread's warming,
  // FrameHandler::warm). Changes nothing.
  void warm() const noexcept;
  [[nodiscard]] const ChainHead& head(std::uint32_t i) const noexcept { return state_[i].head; }
  [[nodiscard]] std::int64_t last_data_ns(std::uint32_t i) const noexcept {
    return state_[i].last_data_ns;
  }

 private:
  struct State {
    Phase phase = Phase::idle;
    ChainHead head;
    std::int64_t asked_ns = 0;     // when the pending ask went out
    std::int64_t retry_at_ns = 0;  // a deferred ask (0: none)
    std::int64_t last_data_ns = 0;
    int attempts = 0;  // asks since the book was last LIVE
    bool refused = false;
  };

  void ask(std::uint32_t i, std::int64_t now_mono_ns) noexcept;
  void on_gap(std::uint32_t i, const ChainKeys& keys, std::span<const LevelText> bids,
              std::span<const LevelText> asks, std::int64_t ts_exchange_ns,
              std::int64_t now_mono_ns) noexcept;
  // Buffers a delta that came before the snapshot; a bad one empties the buffer.
  void buffer(std::uint32_t i, const ChainKeys& keys, std::span<const LevelText> bids,
              std::span<const LevelText> asks, std::int64_t ts_exchange_ns) noexcept;
  void snapshot_behind(std::uint32_t i, std::int64_t now_mono_ns) noexcept;
  void go_live(std::uint32_t i, std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns,
               std::int64_t now_mono_ns) noexcept;

  VenueBooks& books_;
  SnapshotSource& source_;
  SequencerOptions opt_;
  std::vector<State> state_;
};

template <class Rule>
void Sequencer::on_delta(std::uint32_t i, const ChainKeys& keys, std::span<const LevelText> bids,
                         std::span<const LevelText> asks, std::int64_t ts_exchange_ns,
                         std::int64_t ts_recv_ns, std::int64_t now_mono_ns) noexcept {
  State& st = state_[i];
  st.last_data_ns = now_mono_ns;
  if (st.phase != Phase::live) {
    if (st.phase == Phase::awaiting_snapshot && opt_.buffer_deltas && keys.has_key) {
      buffer(i, keys, bids, asks, ts_exchange_ns);
    }
    return;
  }
  switch (Rule::link(st.head, keys)) {
    case Link::next:
      break;
    case Link::stale:
      bump(books_.counters().stale_dropped);  // a duplicate or a late frame
      return;
    case Link::gap:
      on_gap(i, keys, bids, asks, ts_exchange_ns, now_mono_ns);
      return;
  }
  if (!books_.set_levels(i, bids, asks, ts_exchange_ns, ts_recv_ns)) {
    bump(books_.counters().malformed);
    resync(i, st.head.last, keys.received(), now_mono_ns);
    return;
  }
  if (keys.has_key) st.head = {keys.key, true};
  books_.commit(i, BookStatus::live, false, ts_exchange_ns, ts_recv_ns);
}

template <class Rule>
SnapshotResult Sequencer::on_snapshot(std::uint32_t i, const ChainKeys& keys,
                                      std::span<const LevelText> bids,
                                      std::span<const LevelText> asks, std::int64_t ts_exchange_ns,
                                      std::int64_t ts_recv_ns, std::int64_t now_mono_ns) noexcept {
  State& st = state_[i];
  st.last_data_ns = now_mono_ns;
  if (st.phase == Phase::idle ||
      (opt_.solicited_snapshots_only && st.phase != Phase::awaiting_snapshot)) {
    return SnapshotResult::ignored;
  }
  books_.begin_snapshot(i, ts_recv_ns);
  if (!books_.set_levels(i, bids, asks, ts_exchange_ns, ts_recv_ns)) {
    bump(books_.counters().malformed);
    books_.set_status(i, BookStatus::resyncing, realtime_ns());
    st.phase = Phase::awaiting_snapshot;
    st.retry_at_ns = now_mono_ns + opt_.retry_pause_ns;
    return SnapshotResult::malformed;
  }
  // Align the deltas buffered meanwhile: those the snapshot covers are
  // dropped, the rest must chain on it; a hole means it is behind.
  st.head = {keys.key, keys.has_key};
  std::int64_t ts = ts_exchange_ns;
  const std::size_t n = keys.has_key ? books_.buffered(i) : 0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto& d = books_.buffered_delta(i, k);
    if (d.key <= st.head.last) {
      bump(books_.counters().stale_dropped);
      continue;
    }
    if (Rule::link(st.head, ChainKeys{d.prev_key, d.key, true, true}) != Link::next) {
      snapshot_behind(i, now_mono_ns);
      return SnapshotResult::behind;
    }
    books_.apply_buffered(i, k);
    st.head.last = d.key;
    ts = d.ts_exchange_ns;
  }
  go_live(i, ts, ts_recv_ns, now_mono_ns);
  return SnapshotResult::live;
}

}  // namespace wirebook::feeds
