#include "feeds/ocx/ocx_feed.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>

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

// engineTs in epoch ms; absent or beyond what fits in ns (year 2262): our receive time.
std::int64_t exchange_ns(std::int64_t engine_ts_ms, std::int64_t recv_ns) noexcept {
  constexpr std::int64_t kMaxMs = INT64_MAX / 1'000'000;
  const bool usable = engine_ts_ms > 0 && engine_ts_ms <= kMaxMs;
  return usable ? engine_ts_ms * 1'000'000 : recv_ns;
}

// An error event's code as a number for the log (0 when it is not digits).
std::int64_t error_code_of(std::string_view code) noexcept {
  std::int64_t v = 0;
  for (const char c : code) {
    if (c < '0' || c > '9' || v > 100'000'000'000) return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

OcxFeed::OcxFeed(VenueBooks& books, OcxOptions options, RestOutbox* rest)
    : books_(books),
      opt_(std::move(options)),
      rest_(rest),
      parser_(opt_.max_levels_per_event, opt_.max_event_bytes),
      seq_(books, *this, sequencer_options(opt_)),
      check_(books.size(), rest != nullptr ? opt_.rest_check_interval_ns : 0, opt_.rest_confirm_ns),
      restart_(books.size(), 0),
      down_(books.size(), 0),
      open_(books.size(), 0),
      ever_open_(books.size(), 0) {
  // Every book starts DISCONNECTED until its stream is open.
  seq_.on_disconnected();
  for (std::uint32_t i = 0; check_.enabled() && i < books_.size(); ++i) {
    rest_targets_.push_back("/perps/orderbook/" + url_encode(books_.symbol(i)) +
                            "?depth=" + std::to_string(opt_.rest_check_depth));
  }
  if (rest_ != nullptr && opt_.reference_interval_ns > 0) {
    for (std::uint32_t i = 0; i < books_.size(); ++i) {
      stats_targets_.push_back("/perps/market-stats?marketId=" + url_encode(books_.symbol(i)));
    }
    stats_due_ns_.assign(books_.size(), 0);  // the first poll on the first tick
    stats_out_.assign(books_.size(), 0);
  }
}

std::vector<std::string> OcxFeed::stream_targets() const {
  std::vector<std::string> targets;
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    targets.push_back(opt_.stream_path + "?marketId=" + url_encode(books_.symbol(i)) +
                      "&depth=" + std::to_string(opt_.depth) +
                      "&intervalMs=" + std::to_string(opt_.interval_ms));
  }
  if (!opt_.api_key.empty()) targets.push_back(opt_.user_path);  // stream books_.size()
  return targets;
}

std::vector<std::pair<std::string, std::string>> OcxFeed::stream_headers(std::size_t stream) const {
  if (!is_user(stream)) return {};
  return {{"x-api-key", opt_.api_key}};
}

void OcxFeed::on_stream_refused(std::size_t stream, unsigned http_status) noexcept {
  if (!is_user(stream) || (http_status != 401 && http_status != 403)) return;
  // The same key would be refused again: say so once, leave the user stream
  // down (the books go on). The key itself is never in the text.
  ++c_.user_refusals;
  user_down_ = true;
  books_.venue_error("user stream", http_status,
                     "the API key was refused (check api_key); the user stream stays down");
}

void OcxFeed::on_stream_open(std::size_t stream, std::int64_t now_mono_ns) noexcept {
  if (is_user(stream)) user_seq_ = -1;  // a new stream starts its own eventSeq chain
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
  if (is_user(stream)) return on_user_event(event, recv_realtime_ns);
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
  request_rest_checks(now_mono_ns);
  request_stats(now_mono_ns);
  return FeedAction::none;
}

// ---- reference data: GET /perps/market-stats ----------------------------------

void OcxFeed::request_stats(std::int64_t now_mono_ns) noexcept {
  for (std::uint32_t i = 0; i < stats_targets_.size(); ++i) {
    if (stats_out_[i] != 0 || now_mono_ns < stats_due_ns_[i]) continue;
    stats_due_ns_[i] = now_mono_ns + opt_.reference_interval_ns;
    bool queued = false;
    try {
      queued = rest_->get(stats_targets_[i], kTagStats | i);
    } catch (...) {  // the worker's queue could not allocate: the next interval retries
    }
    if (queued) {
      stats_out_[i] = 1;
      ++c_.stats_requests;
    } else {
      ++c_.stats_failures;
    }
  }
}

// The reply has no timestamp (ocx-api.txt): its exchange time is our receive
// time. A reply naming another market (marketId is undocumented there, but
// checked when present) is refused.
void OcxFeed::on_stats_reply(std::uint32_t i, int http_status, const char* data, std::size_t len,
                             std::size_t capacity, std::int64_t recv_realtime_ns) noexcept {
  stats_out_[i] = 0;
  MarketStats s;
  if (http_status != 200 || parser_.parse_market_stats(data, len, capacity, s) != ParseStatus::ok ||
      (!s.market.empty() && s.market != books_.symbol(i))) {
    ++c_.stats_failures;
    if (http_status == 200) bump(books_.counters().malformed);
    return;
  }
  ReferenceText text;  // no index, no next funding time
  text.mark_price = s.mark_price;
  text.funding_rate = s.funding_1h_pct;
  text.funding_rate_exp_shift = -2;          // a percent
  text.open_interest = s.open_interest_usd;  // USD notional
  if (books_.reference(i, text, recv_realtime_ns, recv_realtime_ns) == ReferenceResult::ok) {
    ++c_.stats_published;
  } else {
    ++c_.stats_failures;
  }
}

// ---- the REST drift check -----------------------------------------------------

void OcxFeed::request_rest_checks(std::int64_t now_mono_ns) noexcept {
  for (std::uint32_t i = 0; check_.enabled() && i < books_.size(); ++i) {
    if (seq_.phase(i) != Phase::live ||
        !check_.take_due(i, now_mono_ns, books_.book(i).version())) {
      continue;
    }
    bool queued = false;
    try {
      queued = rest_->get(rest_targets_[i], i);
    } catch (...) {  // the worker's queue could not allocate: try again later
    }
    if (!queued) {
      ++c_.rest_failures;
      check_.failed(i, now_mono_ns);
    }
  }
}

void OcxFeed::on_rest_reply(std::uint64_t tag, int http_status, const char* data, std::size_t len,
                            std::size_t capacity, std::int64_t recv_realtime_ns,
                            std::int64_t recv_mono_ns) noexcept {
  if ((tag & kTagStats) != 0) {
    const std::uint64_t i = tag & ~kTagStats;
    if (i < stats_out_.size()) {
      on_stats_reply(static_cast<std::uint32_t>(i), http_status, data, len, capacity,
                     recv_realtime_ns);
    }
    return;
  }
  if (tag >= books_.size()) return;
  const auto i = static_cast<std::uint32_t>(tag);
  Message m;
  if (http_status != 200 || parser_.parse_rest_book(data, len, capacity, m) != ParseStatus::ok) {
    ++c_.rest_failures;
    check_.failed(i, recv_mono_ns);
    return;
  }
  if (seq_.phase(i) != Phase::live) {  // resyncing meanwhile: nothing to compare
    check_.failed(i, recv_mono_ns);
    return;
  }
  if (books_.book(i).version() != check_.asked_version(i)) {
    // The book moved during the round trip: the REST book (no sequence) may
    // be any moment of it, so a difference would prove nothing.
    ++c_.rest_inconclusive;
    (void)check_.inconclusive(i, recv_mono_ns);
    return;
  }
  ++c_.rest_checks;
  const RestVerdict v =
      check_.compare(i, books_, m.bids, m.asks, opt_.rest_check_depth, recv_mono_ns);
  if (v != RestVerdict::same) ++c_.rest_mismatches;
  if (v == RestVerdict::drift) on_drift(i, recv_mono_ns);
}

// Two mismatches in a row: the alarm, and a resync as for a gap (the stream
// reconnects and re-snapshots).
void OcxFeed::on_drift(std::uint32_t i, std::int64_t mono_ns) noexcept {
  ++c_.drift_alarms;
  books_.drift_alarm(i);
  seq_.resync(i, -1, -1, mono_ns);
}

void OcxFeed::request_snapshot(std::uint32_t i, std::int64_t /*now_mono_ns*/, int /*attempt*/) {
  restart_[i] = 1;
}

void OcxFeed::on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                      std::int64_t mono_ns) noexcept {
  const std::int64_t ts = exchange_ns(m.engine_ts_ms, recv_ns);
  const ChainKeys keys{.prev = 0, .key = m.event_seq, .has_prev = false, .has_key = true};
  if (m.kind == MsgKind::delta) {
    seq_.on_delta<EventSeqChain>(i, keys, m.bids, m.asks, ts, recv_ns, mono_ns);
    return;
  }
  const SnapshotResult r =
      seq_.on_snapshot<EventSeqChain>(i, keys, m.bids, m.asks, ts, recv_ns, mono_ns);
  if (r == SnapshotResult::live) {
    bump(books_.counters().snapshots);
    check_.restart(i, mono_ns);  // the first drift check an interval after LIVE
  }
  // A snapshot the book cannot take: only a new stream brings another.
  if (r == SnapshotResult::malformed) restart_[i] = 1;
}

void OcxFeed::on_error(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept {
  books_.venue_error(m.retryable ? "book-stream (retryable)" : "book-stream (not retryable)",
                     error_code_of(m.code), m.message);
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

// The user stream: positions and fills in order; its chain is eventSeq + 1.
// Anything it cannot trust (a malformed event, a gap) restarts it: a fresh
// stream brings the positions again.
FeedAction OcxFeed::on_user_event(const SseEvent& event, std::int64_t recv_ns) noexcept {
  ++c_.user_events;
  bump(books_.counters().frames);
  bump(books_.counters().bytes, event.len);
  UserMessage m;
  if (parser_.parse_user(event.type, event.data, event.len, event.capacity, m) != ParseStatus::ok) {
    ++c_.user_malformed;
    bump(books_.counters().malformed);
    return FeedAction::reconnect;
  }
  if (m.kind == UserKind::error) {
    books_.venue_error(m.retryable ? "user stream (retryable)" : "user stream (not retryable)",
                       error_code_of(m.code), m.message);
    user_down_ = !m.retryable;
    return FeedAction::reconnect;
  }
  if (m.kind == UserKind::other) {
    ++c_.other_events;
    bump(books_.counters().unexpected);
    return FeedAction::none;
  }
  if (m.has_event_seq && user_seq_ >= 0) {
    if (m.event_seq <= user_seq_) {
      bump(books_.counters().stale_dropped);
      return FeedAction::none;
    }
    if (m.event_seq != user_seq_ + 1) {
      ++c_.user_gaps;
      bump(books_.counters().gaps);
      return FeedAction::reconnect;
    }
  }
  if (m.has_event_seq) user_seq_ = m.event_seq;
  on_user_message(m, recv_ns);
  return FeedAction::none;
}

void OcxFeed::on_user_message(const UserMessage& m, std::int64_t recv_ns) noexcept {
  const std::int64_t ts = exchange_ns(m.engine_ts_ms, recv_ns);
  for (const PositionFields& p : m.positions) {
    ++c_.position_updates;
    const PositionText text{.quantity = p.size,
                            .entry_price = p.entry_price,
                            .pnl = p.pnl,
                            .liquidation_price = p.liquidation_price,
                            .margin = p.margin,
                            .leverage = p.leverage};
    if (books_.position(p.market, text, ts, recv_ns) != PositionResult::ok) {
      ++c_.positions_rejected;
    }
  }
  for (const FillFields& f : m.fills) {
    const int i = books_.find(f.market);
    if (i < 0) {
      ++c_.fills_unlisted;
      continue;
    }
    ++c_.fills;
    books_.trade(static_cast<std::uint32_t>(i), f.buy ? book::Side::bid : book::Side::ask, f.price,
                 f.quantity, ts, recv_ns);
  }
}

FeedAction OcxFeed::take_restart(std::uint32_t i) noexcept {
  if (restart_[i] == 0 || open_[i] == 0) return FeedAction::none;
  restart_[i] = 0;
  ++c_.stream_restarts;
  return FeedAction::reconnect;
}

}  // namespace wirebook::feeds::ocx
