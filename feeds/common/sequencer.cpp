#include "feeds/common/sequencer.hpp"

#include "shm/prefetch.hpp"

namespace wirebook::feeds {
namespace {

bool level_ok(LevelResult r) noexcept {
  return r == LevelResult::ok || r == LevelResult::widened;
}

}  // namespace

Sequencer::Sequencer(VenueBooks& books, SnapshotSource& source, SequencerOptions options)
    : books_(books), source_(source), opt_(options), state_(books.size()) {}

void Sequencer::warm() const noexcept {
  shm::prefetch_for_write(state_.data(), state_.size() * sizeof(State));
}

void Sequencer::on_connected(std::int64_t now_mono_ns) noexcept {
  const std::int64_t now = realtime_ns();
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    state_[i] = State{};
    state_[i].last_data_ns = now_mono_ns;
    books_.buffer_clear(i);
    books_.set_status(i, BookStatus::syncing, now);
  }
}

void Sequencer::on_disconnected() noexcept {
  const std::int64_t now = realtime_ns();
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    state_[i].phase = Phase::idle;
    books_.buffer_clear(i);
    books_.set_status(i, BookStatus::disconnected, now);
  }
}

void Sequencer::request(std::uint32_t i, std::int64_t now_mono_ns) noexcept {
  state_[i].phase = Phase::awaiting_snapshot;
  state_[i].attempts = 0;
  ask(i, now_mono_ns);
}

void Sequencer::awaiting(std::uint32_t i, std::int64_t now_mono_ns) noexcept {
  State& st = state_[i];
  st.phase = Phase::awaiting_snapshot;
  st.attempts = 1;
  st.asked_ns = now_mono_ns;
  st.retry_at_ns = 0;
}

void Sequencer::refuse(std::uint32_t i) noexcept {
  state_[i].refused = true;  // stays SYNCING: never trusted
}

void Sequencer::retry_later(std::uint32_t i, std::int64_t now_mono_ns) noexcept {
  State& st = state_[i];
  if (st.phase == Phase::awaiting_snapshot) st.retry_at_ns = now_mono_ns + opt_.snapshot_timeout_ns;
}

void Sequencer::ask(std::uint32_t i, std::int64_t now_mono_ns) noexcept {
  State& st = state_[i];
  ++st.attempts;
  st.asked_ns = now_mono_ns;
  st.retry_at_ns = 0;
  try {
    source_.request_snapshot(i, now_mono_ns, st.attempts);
  } catch (...) {
    // Sending failed (allocation in the transport): the timer asks again.
    st.retry_at_ns = now_mono_ns + opt_.retry_pause_ns;
  }
}

void Sequencer::resync(std::uint32_t i, std::int64_t expected, std::int64_t received,
                       std::int64_t now_mono_ns) noexcept {
  const std::int64_t now = realtime_ns();
  books_.gap(i, expected, received, now);
  bump(books_.counters().resyncs);
  books_.set_status(i, BookStatus::resyncing, now);
  books_.buffer_clear(i);
  state_[i].phase = Phase::awaiting_snapshot;
  state_[i].attempts = 0;
  ask(i, now_mono_ns);
}

void Sequencer::on_broken_frame(std::uint32_t i, std::int64_t now_mono_ns) noexcept {
  if (state_[i].phase == Phase::live) resync(i, state_[i].head.last, -1, now_mono_ns);
}

void Sequencer::on_gap(std::uint32_t i, const ChainKeys& keys, std::span<const LevelText> bids,
                       std::span<const LevelText> asks, std::int64_t ts_exchange_ns,
                       std::int64_t now_mono_ns) noexcept {
  resync(i, state_[i].head.last, keys.received(), now_mono_ns);
  // This delta may follow the snapshot now asked for: keep it to align.
  if (opt_.keep_breaking_delta && keys.has_key) buffer(i, keys, bids, asks, ts_exchange_ns);
}

void Sequencer::buffer(std::uint32_t i, const ChainKeys& keys, std::span<const LevelText> bids,
                       std::span<const LevelText> asks, std::int64_t ts_exchange_ns) noexcept {
  // A delta without prev claims to follow key - 1 (no wrap below INT64_MIN).
  const std::int64_t prev =
      keys.has_prev ? keys.prev : (keys.key > INT64_MIN ? keys.key - 1 : keys.key);
  bool ok = books_.buffer_begin(i, prev, keys.key, ts_exchange_ns);
  for (const LevelText& l : bids) {
    ok = ok && level_ok(books_.buffer_level(i, book::Side::bid, l.px, l.qty));
  }
  for (const LevelText& l : asks) {
    ok = ok && level_ok(books_.buffer_level(i, book::Side::ask, l.px, l.qty));
  }
  if (!ok) {
    // Buffer exhausted or a bad level: start over with an empty buffer; the
    // next snapshot realigns (or shows it is behind and is asked again).
    books_.buffer_clear(i);
    bump(books_.counters().malformed);
  }
}

void Sequencer::snapshot_behind(std::uint32_t i, std::int64_t now_mono_ns) noexcept {
  State& st = state_[i];
  const bool backoff = st.attempts >= opt_.quick_retries;
  st.retry_at_ns = now_mono_ns + (backoff ? opt_.snapshot_timeout_ns : opt_.retry_pause_ns);
}

void Sequencer::go_live(std::uint32_t i, std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns,
                        std::int64_t now_mono_ns) noexcept {
  books_.buffer_clear(i);
  State& st = state_[i];
  st.phase = Phase::live;
  st.attempts = 0;
  st.retry_at_ns = 0;
  st.last_data_ns = now_mono_ns;
  books_.commit(i, BookStatus::live, true, ts_exchange_ns, ts_recv_ns);
}

void Sequencer::on_timer(std::int64_t now_mono_ns) noexcept {
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    State& st = state_[i];
    if (st.phase == Phase::awaiting_snapshot && !st.refused) {
      const bool due = st.retry_at_ns != 0 ? now_mono_ns >= st.retry_at_ns
                                           : now_mono_ns - st.asked_ns > opt_.snapshot_timeout_ns;
      if (due) ask(i, now_mono_ns);
    } else if (st.phase == Phase::live && now_mono_ns - st.last_data_ns > opt_.stale_after_ns &&
               books_.status(i) == BookStatus::live) {
      books_.set_status(i, BookStatus::stale, realtime_ns());
    }
  }
}

}  // namespace wirebook::feeds
