#include "feeds/ocx/ocx_feed.hpp"

#include <cstdint>

namespace wirebook::feeds::ocx {

namespace {

SequencerOptions sequencer_options(const OcxOptions& o) {
  SequencerOptions s;
  s.stale_after_ns = o.stale_after_ns;
  s.snapshot_timeout_ns = o.snapshot_timeout_ns;
  // Every stream brings its own snapshot first; nothing comes before it.
  s.buffer_deltas = false;
  return s;
}

// Market ids are plain symbols ("BTC-PERP"); anything else is percent-encoded.
std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4U];
      out += kHex[u & 0xfU];
    }
  }
  return out;
}

}  // namespace

OcxFeed::OcxFeed(VenueBooks& books, OcxOptions options)
    : books_(books),
      opt_(std::move(options)),
      parser_(opt_.max_levels_per_event, opt_.max_event_bytes),
      seq_(books, *this, sequencer_options(opt_)),
      restart_(books.size(), 0),
      down_(books.size(), 0),
      open_(books.size(), 0),
      ever_open_(books.size(), 0) {
  // Every book starts DISCONNECTED until its stream is open.
  seq_.on_disconnected();
}

std::vector<std::string> OcxFeed::stream_targets() const {
  std::vector<std::string> targets;
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    targets.push_back(opt_.stream_path + "?marketId=" + url_encode(books_.symbol(i)) +
                      "&depth=" + std::to_string(opt_.depth) +
                      "&intervalMs=" + std::to_string(opt_.interval_ms));
  }
  return targets;
}

void OcxFeed::on_stream_open(std::size_t stream, std::int64_t now_mono_ns) noexcept {
  if (stream >= books_.size()) return;
  const auto i = static_cast<std::uint32_t>(stream);
  // A stream opened again: one reconnect of that market.
  if (ever_open_[i] != 0) bump(books_.counters().reconnects);
  ever_open_[i] = 1;
  open_[i] = 1;
  restart_[i] = 0;
  books_.buffer_clear(i);
  books_.set_status(i, BookStatus::syncing, realtime_ns());
  // The stream's first event is the snapshot: nothing to ask for.
  seq_.awaiting(i, now_mono_ns);
}

void OcxFeed::on_stream_close(std::size_t stream, std::int64_t /*now_mono_ns*/) noexcept {
  if (stream >= books_.size()) return;
  const auto i = static_cast<std::uint32_t>(stream);
  open_[i] = 0;
  // The sequencer keeps its phase: no event of this market can arrive until
  // the stream is open again, and then it waits for the new snapshot.
  books_.set_status(i, BookStatus::disconnected, realtime_ns());
}

FeedAction OcxFeed::on_event(std::size_t stream, const SseEvent& event,
                             std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept {
  if (stream >= books_.size()) return FeedAction::none;
  const auto i = static_cast<std::uint32_t>(stream);
  ++c_.events;
  bump(books_.counters().frames);
  bump(books_.counters().bytes, event.len);
  Message m;
  if (parser_.parse(event.type, event.data, event.len, event.capacity, m) != ParseStatus::ok) {
    on_malformed(i, recv_mono_ns);
    return take_restart(i);
  }
  switch (m.kind) {
    case MsgKind::snapshot:
    case MsgKind::delta:
      if (!m.market.empty() && m.market != books_.symbol(i)) {
        ++c_.market_mismatches;
        on_malformed(i, recv_mono_ns);
      } else if (event.id_in_event && !id_matches(event.id, m.event_seq)) {
        on_malformed(i, recv_mono_ns);
      } else {
        on_book(i, m, recv_realtime_ns, recv_mono_ns);
      }
      break;
    case MsgKind::error:
      on_error(i, m, recv_mono_ns);
      break;
    case MsgKind::other:
      ++c_.other_events;
      bump(books_.counters().unexpected);
      break;
  }
  return take_restart(i);
}

void OcxFeed::on_comment(std::size_t /*stream*/) noexcept {
  ++c_.heartbeats;
}

FeedAction OcxFeed::on_stream_timer(std::size_t stream, std::int64_t /*now_mono_ns*/) noexcept {
  if (stream >= books_.size()) return FeedAction::none;
  return take_restart(static_cast<std::uint32_t>(stream));
}

FeedAction OcxFeed::on_timer(std::int64_t now_mono_ns) noexcept {
  seq_.on_timer(now_mono_ns);
  return FeedAction::none;
}

void OcxFeed::request_snapshot(std::uint32_t i, std::int64_t /*now_mono_ns*/, int /*attempt*/) {
  restart_[i] = 1;
}

void OcxFeed::on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                      std::int64_t mono_ns) noexcept {
  // engineTs in epoch ms; absent or beyond what fits in ns (year 2262): our receive time.
  constexpr std::int64_t kMaxMs = INT64_MAX / 1'000'000;
  const bool usable = m.engine_ts_ms > 0 && m.engine_ts_ms <= kMaxMs;
  const std::int64_t ts = usable ? m.engine_ts_ms * 1'000'000 : recv_ns;
  const ChainKeys keys{.prev = 0, .key = m.event_seq, .has_prev = false, .has_key = true};
  if (m.kind == MsgKind::delta) {
    seq_.on_delta<EventSeqChain>(i, keys, m.bids, m.asks, ts, recv_ns, mono_ns);
    return;
  }
  const SnapshotResult r =
      seq_.on_snapshot<EventSeqChain>(i, keys, m.bids, m.asks, ts, recv_ns, mono_ns);
  if (r == SnapshotResult::live) bump(books_.counters().snapshots);
  // A snapshot the book cannot take: only a new stream brings another.
  if (r == SnapshotResult::malformed) restart_[i] = 1;
}

void OcxFeed::on_error(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept {
  const std::int64_t code = [&] {
    std::int64_t v = 0;
    for (const char c : m.code) {
      if (c < '0' || c > '9' || v > 100'000'000'000) return std::int64_t{0};
      v = v * 10 + (c - '0');
    }
    return v;
  }();
  books_.venue_error(m.retryable ? "book-stream (retryable)" : "book-stream (not retryable)", code,
                     m.message);
  if (m.retryable) {
    ++c_.retryable_errors;
    restart_[i] = 1;  // the session's backoff spaces the retry
    return;
  }
  ++c_.fatal_errors;
  down_[i] = 1;
  restart_[i] = 1;  // closes the stream; stream_enabled keeps it closed
  seq_.refuse(i);
  (void)mono_ns;
}

void OcxFeed::on_malformed(std::uint32_t i, std::int64_t mono_ns) noexcept {
  bump(books_.counters().malformed);
  // A LIVE book resyncs (GAP, RESYNCING, restart); a book still waiting for
  // its snapshot cannot trust this stream either.
  seq_.on_broken_frame(i, mono_ns);
  restart_[i] = 1;
}

bool OcxFeed::id_matches(std::string_view id, std::int64_t seq) noexcept {
  if (id.empty() || id.size() > 18) return true;
  std::int64_t v = 0;
  for (const char c : id) {
    if (c < '0' || c > '9') return true;  // not a sequence (e.g. an eventId): not compared
    v = v * 10 + (c - '0');
  }
  if (v == seq) return true;
  ++c_.id_mismatches;
  return false;
}

FeedAction OcxFeed::take_restart(std::uint32_t i) noexcept {
  if (restart_[i] == 0 || open_[i] == 0) return FeedAction::none;
  restart_[i] = 0;
  ++c_.stream_restarts;
  return FeedAction::reconnect;
}

}  // namespace wirebook::feeds::ocx
