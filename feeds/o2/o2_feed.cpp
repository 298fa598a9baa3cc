#include "feeds/o2/o2_feed.hpp"

#include <array>
#include <cstdio>

#include "book/decimal.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/common/rest_check.hpp"
#include "feeds/common/salvage.hpp"
#include "feeds/o2/schema.hpp"

namespace wirebook::feeds::o2 {
namespace {

// Best-effort market of an order_book frame that failed to parse (cold path):
// the digits after "market_id":, when the text names the order_book channel.
std::int64_t market_in(const char* data, std::size_t len) noexcept {
  const std::string_view s(data, len);
  if (s.find(schema::kOrderBook) == std::string_view::npos) return -1;
  return salvage::int_field(s, "\"market_id\"");
}

}  // namespace

O2Feed::O2Feed(VenueBooks& books, Outbox& out, O2Options options, RestOutbox* rest)
    : books_(books),
      out_(out),
      opt_(std::move(options)),
      rest_(rest),
      parser_(opt_.max_levels_per_frame, opt_.max_frame_bytes),
      // A behind or bad snapshot waits the full timeout: each ask may cost a
      // REST call, and the public tier allows 60 a minute.
      seq_(books, *this,
           SequencerOptions{.stale_after_ns = opt_.stale_after_ns,
                            .snapshot_timeout_ns = opt_.snapshot_timeout_ns,
                            .retry_pause_ns = opt_.snapshot_timeout_ns,
                            .buffer_deltas = rest != nullptr}),
      check_(books.size(), rest != nullptr ? opt_.rest_check_interval_ns : 0, opt_.rest_confirm_ns),
      rest_pending_(books.size(), 0) {
  parser_.set_fast_path(opt_.fast_path);
  if (opt_.market_ids.size() != books.size()) {
    throw std::invalid_argument("O2: one market id per instrument is required");
  }
}

int O2Feed::find_market(std::int64_t market_id) const noexcept {
  for (std::size_t i = 0; i < opt_.market_ids.size(); ++i) {
    if (opt_.market_ids[i] == market_id) return static_cast<int>(i);
  }
  return -1;
}

void O2Feed::send_channel(const char* fmt, std::string_view channel, std::uint32_t i) {
  std::array<char, 256> buf{};
  const std::string ch(channel);
  const int n = std::snprintf(buf.data(), buf.size(), fmt, ch.c_str(),
                              static_cast<long long>(opt_.market_ids[i]));
  if (n > 0 && static_cast<std::size_t>(n) < buf.size()) {
    out_.send_text(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
}

Link SeqChain::link(const ChainHead& h, const ChainKeys& k) noexcept {
  if (!h.keyed) return Link::next;
  if (k.has_key && k.key <= h.last) return Link::stale;
  if (k.has_prev) return k.prev == h.last ? Link::next : Link::gap;
  if (k.has_key)
    return !schema::kSeqOnlyIsContiguous || k.key == h.last + 1 ? Link::next : Link::gap;
  return Link::gap;
}

void O2Feed::request_snapshot(std::uint32_t i, std::int64_t /*now_mono_ns*/, int attempt) {
  // A plain repeat of an active subscription may not bring a new snapshot
  // (PROTOCOLS §3.1 leaves it open): unsubscribe first; the socket keeps order.
  send_channel(schema::kUnsubscribeFmt, schema::kOrderBook, i);
  send_channel(schema::kSubscribeFmt, schema::kOrderBook, i);
  if (attempt >= 3) request_rest(i, kTagSnapshot);
}

void O2Feed::on_connected(std::int64_t now_mono_ns) {
  connected_ = true;
  last_rx_ns_ = now_mono_ns;
  seq_.on_connected(now_mono_ns);
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    send_channel(schema::kSubscribeFmt, schema::kOrderBook, i);
    seq_.awaiting(i, now_mono_ns);  // the subscription brings the snapshot
    if (opt_.trades) send_channel(schema::kSubscribeFmt, schema::kTrades, i);
    if (opt_.ticker) send_channel(schema::kSubscribeFmt, schema::kTicker, i);
    if (opt_.mark_price) send_channel(schema::kSubscribeFmt, schema::kMarkPrice, i);
    if (opt_.funding) send_channel(schema::kSubscribeFmt, schema::kFunding, i);
  }
}

void O2Feed::on_disconnected(std::int64_t /*now_mono_ns*/) noexcept {
  connected_ = false;
  seq_.on_disconnected();
}

void O2Feed::went_live(std::uint32_t i, std::int64_t mono_ns) noexcept {
  check_.restart(i, mono_ns);  // the first drift check an interval after LIVE
}

void O2Feed::on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                     std::int64_t mono_ns) noexcept {
  const Phase phase = seq_.phase(i);
  if (phase == Phase::idle) return;  // not subscribed (after a disconnect)
  const std::int64_t ts_ns = ms_to_ns(m.ts_ms);
  // Untyped frames: the first one after the subscribe without a prev_seq is
  // the snapshot (PROTOCOLS §3.1 recommendation).
  const bool snapshot =
      m.type == BookType::snapshot ||
      (m.type == BookType::none && phase == Phase::awaiting_snapshot && !m.has_prev_seq);
  if (!snapshot) {
    seq_.on_delta<SeqChain>(i, ChainKeys{m.prev_seq, m.seq, m.has_prev_seq, m.has_seq}, m.bids,
                            m.asks, ts_ns, recv_ns, mono_ns);
    return;
  }
  books_.buffer_clear(i);  // an in-stream snapshot supersedes anything buffered
  if (seq_.on_snapshot<SeqChain>(i, ChainKeys{0, m.seq, false, m.has_seq}, m.bids, m.asks, ts_ns,
                                 recv_ns, mono_ns) == SnapshotResult::live) {
    went_live(i, mono_ns);
  }
}

void O2Feed::on_events(std::uint32_t i, const Message& m, std::int64_t recv_ns) noexcept {
  switch (m.kind) {
    case MsgKind::trades:
      for (const TradeText& t : m.trades) {
        bool known = false;
        const bool buy = trade_side_is_buy(t.side, known);
        if (!known) {
          bump(books_.counters().malformed);
          continue;
        }
        books_.trade(i, buy ? book::Side::bid : book::Side::ask, t.px, t.qty, ms_to_ns(t.ts_ms),
                     recv_ns);
        ++c_.trades;
      }
      return;
    case MsgKind::ticker:
      ++c_.tickers;
      if (!m.bid_px.empty() && !m.bid_qty.empty() && !m.ask_px.empty() && !m.ask_qty.empty()) {
        books_.bbo(i, m.bid_px, m.bid_qty, m.ask_px, m.ask_qty, ms_to_ns(m.ts_ms), recv_ns);
      }
      return;
    case MsgKind::mark_price:
    case MsgKind::funding: {
      // Working schema (schema.hpp): the value text and the frame's ts (ms).
      // A bad decimal is counted malformed by VenueBooks, nothing published.
      ReferenceText r;
      if (m.kind == MsgKind::mark_price) {
        ++c_.mark_prices;
        r.mark_price = m.value;
      } else {
        ++c_.fundings;
        r.funding_rate = m.value;
      }
      (void)books_.reference(i, r, ms_to_ns(m.ts_ms), recv_ns);
      return;
    }
    default:
      return;
  }
}

FeedAction O2Feed::on_frame(const char* data, std::size_t len, std::size_t capacity,
                            std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept {
  VenueCounters& c = books_.counters();
  bump(c.frames);
  bump(c.bytes, len);
  last_rx_ns_ = recv_mono_ns;
  Message m;
  if (parser_.parse(data, len, capacity, m) != ParseStatus::ok) {
    bump(c.malformed);
    const int i = find_market(market_in(data, len));
    if (i >= 0) seq_.on_broken_frame(static_cast<std::uint32_t>(i), recv_mono_ns);
    return FeedAction::none;
  }
  switch (m.kind) {
    case MsgKind::book:
    case MsgKind::trades:
    case MsgKind::ticker:
    case MsgKind::mark_price:
    case MsgKind::funding: {
      const int i = find_market(m.market_id);
      if (i < 0) {
        ++c_.unknown_market;
        bump(c.unexpected);
        return FeedAction::none;
      }
      const auto u = static_cast<std::uint32_t>(i);
      if (m.kind == MsgKind::book) {
        on_book(u, m, recv_realtime_ns, recv_mono_ns);
      } else {
        on_events(u, m, recv_realtime_ns);
      }
      return FeedAction::none;
    }
    case MsgKind::error:
      bump(c.errors);
      return FeedAction::none;
    case MsgKind::ack:
      ++c_.acks;
      return FeedAction::none;
    case MsgKind::other:
      bump(c.unexpected);
      return FeedAction::none;
  }
  return FeedAction::none;
}

// False when the GET could not be queued (one per market at a time).
bool O2Feed::request_rest(std::uint32_t i, std::uint64_t purpose) noexcept {
  if (rest_ == nullptr || rest_pending_[i] != 0) return false;
  std::array<char, 96> path{};
  const int n = std::snprintf(path.data(), path.size(), schema::kOrderBookPathFmt,
                              static_cast<long long>(opt_.market_ids[i]));
  if (n <= 0 || static_cast<std::size_t>(n) >= path.size()) return false;
  try {
    rest_pending_[i] =
        rest_->get(std::string_view(path.data(), static_cast<std::size_t>(n)), (purpose << 32U) | i)
            ? 1
            : 0;
  } catch (...) {
    ++c_.rest_failures;
  }
  return rest_pending_[i] != 0;
}

void O2Feed::apply_rest_snapshot(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                                 std::int64_t mono_ns) noexcept {
  if (!m.has_seq) {
    // Without a sequence it cannot be aligned with the stream: keep waiting
    // for the WebSocket snapshot (the sequencer asks again).
    ++c_.rest_failures;
    return;
  }
  // The REST book must not be older than the buffered deltas it is joined to:
  // the sequencer aligns them on its seq, or asks again when it is behind.
  const SnapshotResult r = seq_.on_snapshot<SeqChain>(i, ChainKeys{0, m.seq, false, true}, m.bids,
                                                      m.asks, ms_to_ns(m.ts_ms), recv_ns, mono_ns);
  if (r != SnapshotResult::live) {
    ++c_.rest_failures;
    return;
  }
  went_live(i, mono_ns);
  ++c_.rest_snapshots;
}

// Whether the REST book stands where the live book does: on its seq when
// both have one, otherwise on a live book unchanged since the GET was queued.
bool O2Feed::rest_aligned(std::uint32_t i, const Message& m) const noexcept {
  const ChainHead& h = seq_.head(i);
  if (h.keyed && m.has_seq) return m.seq == h.last;
  return books_.book(i).version() == check_.asked_version(i);
}

void O2Feed::compare_rest_top(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept {
  if (!rest_aligned(i, m)) {
    ++c_.rest_inconclusive;
    (void)check_.inconclusive(i, mono_ns);
    return;
  }
  ++c_.rest_checks;
  const RestVerdict v = check_.compare(i, books_, m.bids, m.asks, opt_.rest_check_depth, mono_ns);
  if (v != RestVerdict::same) ++c_.rest_mismatches;
  if (v == RestVerdict::drift) {
    books_.drift_alarm(i);
    seq_.resync(i, -1, -1, mono_ns);  // drift: no ids to report
  }
}

void O2Feed::on_rest_reply(std::uint64_t tag, int http_status, const char* data, std::size_t len,
                           std::size_t capacity, std::int64_t recv_realtime_ns,
                           std::int64_t recv_mono_ns) noexcept {
  const auto i = static_cast<std::uint32_t>(tag & 0xffffffffU);
  const std::uint64_t purpose = tag >> 32U;
  if (i >= books_.size()) return;
  rest_pending_[i] = 0;
  Message m;
  const bool usable =
      http_status == 200 && parser_.parse_rest_book(data, len, capacity, m) == ParseStatus::ok &&
      m.kind == MsgKind::book && (!m.has_market_id || m.market_id == opt_.market_ids[i]);
  if (!usable) ++c_.rest_failures;
  const Phase phase = seq_.phase(i);
  if (purpose == kTagCheck) {
    if (!usable || phase != Phase::live) {
      check_.failed(i, recv_mono_ns);  // resyncing meanwhile: nothing to compare
    } else {
      compare_rest_top(i, m, recv_mono_ns);
    }
  } else if (usable && phase == Phase::awaiting_snapshot) {
    apply_rest_snapshot(i, m, recv_realtime_ns, recv_mono_ns);
  }
}

void O2Feed::request_rest_checks(std::int64_t now_mono_ns) noexcept {
  for (std::uint32_t i = 0; check_.enabled() && i < books_.size(); ++i) {
    if (seq_.phase(i) != Phase::live ||
        !check_.take_due(i, now_mono_ns, books_.book(i).version())) {
      continue;
    }
    if (!request_rest(i, kTagCheck)) {
      ++c_.rest_failures;
      check_.failed(i, now_mono_ns);
    }
  }
}

FeedAction O2Feed::on_timer(std::int64_t now) noexcept {
  if (!connected_) return FeedAction::none;
  if (opt_.idle_timeout_ns > 0 && now - last_rx_ns_ > opt_.idle_timeout_ns) {
    return FeedAction::reconnect;
  }
  seq_.on_timer(now);
  request_rest_checks(now);
  return FeedAction::none;
}

}  // namespace wirebook::feeds::o2
