#include "feeds/o2/o2_feed.hpp"

#include <array>
#include <cstdio>

#include "book/decimal.hpp"
#include "feeds/common/clock.hpp"
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

bool ok_level(LevelResult r) noexcept {
  return r == LevelResult::ok || r == LevelResult::widened;
}

}  // namespace

O2Feed::O2Feed(VenueBooks& books, Outbox& out, O2Options options, RestOutbox* rest)
    : books_(books),
      out_(out),
      opt_(std::move(options)),
      rest_(rest),
      parser_(opt_.max_levels_per_frame, opt_.max_frame_bytes),
      state_(books.size()) {
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

void O2Feed::subscribe(std::uint32_t i, std::int64_t now_mono_ns) {
  MarketState& st = state_[i];
  st.phase = Phase::awaiting_snapshot;
  st.sequenced = false;
  st.subscribed_ns = now_mono_ns;
  books_.buffer_clear(i);
  send_channel(schema::kSubscribeFmt, schema::kOrderBook, i);
}

void O2Feed::resubscribe(std::uint32_t i, std::int64_t now_mono_ns) {
  // A plain repeat of an active subscription may not bring a new snapshot
  // (PROTOCOLS §3.1 leaves it open): unsubscribe first; the socket keeps order.
  send_channel(schema::kUnsubscribeFmt, schema::kOrderBook, i);
  subscribe(i, now_mono_ns);
}

void O2Feed::on_connected(std::int64_t now_mono_ns) {
  connected_ = true;
  last_rx_ns_ = now_mono_ns;
  const std::int64_t now = realtime_ns();
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    state_[i] = MarketState{};
    state_[i].last_data_ns = now_mono_ns;
    books_.set_status(i, BookStatus::syncing, now);
    subscribe(i, now_mono_ns);
    if (opt_.trades) send_channel(schema::kSubscribeFmt, schema::kTrades, i);
    if (opt_.ticker) send_channel(schema::kSubscribeFmt, schema::kTicker, i);
    if (opt_.mark_price) send_channel(schema::kSubscribeFmt, schema::kMarkPrice, i);
    if (opt_.funding) send_channel(schema::kSubscribeFmt, schema::kFunding, i);
  }
}

void O2Feed::on_disconnected(std::int64_t /*now_mono_ns*/) noexcept {
  connected_ = false;
  const std::int64_t now = realtime_ns();
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    state_[i].phase = Phase::idle;
    books_.buffer_clear(i);
    books_.set_status(i, BookStatus::disconnected, now);
  }
}

void O2Feed::start_resync(std::uint32_t i, std::int64_t expected, std::int64_t received,
                          std::int64_t now_mono_ns) noexcept {
  const std::int64_t now = realtime_ns();
  books_.gap(i, expected, received, now);
  bump(books_.counters().resyncs);
  books_.set_status(i, BookStatus::resyncing, now);
  state_[i].snapshot_timeouts = 0;
  state_[i].mismatches = 0;
  try {
    resubscribe(i, now_mono_ns);
  } catch (...) {
    state_[i].phase = Phase::awaiting_snapshot;  // the timer retries
    state_[i].subscribed_ns = 0;
  }
}

void O2Feed::on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                     std::int64_t mono_ns) noexcept {
  MarketState& st = state_[i];
  if (st.phase == Phase::idle) return;  // not subscribed (after a disconnect)
  st.last_data_ns = mono_ns;
  // Untyped frames: the first one after the subscribe without a prev_seq is
  // the snapshot (PROTOCOLS §3.1 recommendation).
  const bool snapshot =
      m.type == BookType::snapshot ||
      (m.type == BookType::none && st.phase == Phase::awaiting_snapshot && !m.has_prev_seq);
  if (!snapshot) {
    on_delta(i, m, recv_ns, mono_ns);
    return;
  }
  const std::int64_t ts_ns = ms_to_ns(m.ts_ms);
  books_.buffer_clear(i);  // an in-stream snapshot supersedes anything buffered
  books_.begin_snapshot(i, recv_ns);
  if (!books_.set_levels(i, m.bids, m.asks, ts_ns, recv_ns)) {
    bump(books_.counters().malformed);
    start_resync(i, -1, m.has_seq ? m.seq : -1, mono_ns);
    return;
  }
  st.phase = Phase::live;
  st.sequenced = m.has_seq;
  st.last_seq = m.seq;
  st.snapshot_timeouts = 0;
  st.mismatches = 0;
  st.next_check_ns = mono_ns + opt_.rest_check_interval_ns;
  books_.commit(i, BookStatus::live, true, ts_ns, recv_ns);
}

void O2Feed::on_delta(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                      std::int64_t mono_ns) noexcept {
  MarketState& st = state_[i];
  if (st.phase != Phase::live) {
    // Awaiting a snapshot: keep sequenced deltas for a REST snapshot to align on.
    if (rest_ != nullptr && m.has_seq && !buffer_delta(i, m)) books_.buffer_clear(i);
    return;
  }
  if (st.sequenced) {
    if (m.has_seq && m.seq <= st.last_seq) {
      bump(books_.counters().stale_dropped);  // a duplicate or a late frame
      return;
    }
    bool chained = false;
    if (m.has_prev_seq) {
      chained = m.prev_seq == st.last_seq;
    } else if (m.has_seq && schema::kSeqOnlyIsContiguous) {
      chained = m.seq == st.last_seq + 1;
    } else {
      chained = m.has_seq;  // a bare seq that is newer: all we can check
    }
    if (!chained) {
      const std::int64_t got = m.has_prev_seq ? m.prev_seq : (m.has_seq ? m.seq : -1);
      start_resync(i, st.last_seq, got, mono_ns);
      return;
    }
  } else if (m.has_seq) {
    st.sequenced = true;  // a sequence appears after an unsequenced snapshot: follow it
  }
  const std::int64_t ts_ns = ms_to_ns(m.ts_ms);
  if (!books_.set_levels(i, m.bids, m.asks, ts_ns, recv_ns)) {
    bump(books_.counters().malformed);
    start_resync(i, st.last_seq, m.has_seq ? m.seq : -1, mono_ns);
    return;
  }
  if (m.has_seq) st.last_seq = m.seq;
  books_.commit(i, BookStatus::live, false, ts_ns, recv_ns);
}

bool O2Feed::buffer_delta(std::uint32_t i, const Message& m) noexcept {
  // Without prev_seq the delta claims to follow seq - 1 (no wrap below INT64_MIN).
  const std::int64_t prev =
      m.has_prev_seq ? m.prev_seq : (m.seq > INT64_MIN ? m.seq - 1 : m.seq);
  if (!books_.buffer_begin(i, prev, m.seq, ms_to_ns(m.ts_ms))) return false;
  for (const LevelText& l : m.bids) {
    if (!ok_level(books_.buffer_level(i, book::Side::bid, l.px, l.qty))) {
      books_.buffer_abort(i);
      return false;
    }
  }
  for (const LevelText& l : m.asks) {
    if (!ok_level(books_.buffer_level(i, book::Side::ask, l.px, l.qty))) {
      books_.buffer_abort(i);
      return false;
    }
  }
  return true;
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
      // No ring record type for it yet (shm EventType): counted only.
      ++c_.mark_prices;
      return;
    case MsgKind::funding:
      ++c_.fundings;
      return;
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
    if (i >= 0 && state_[static_cast<std::size_t>(i)].phase == Phase::live) {
      const auto u = static_cast<std::uint32_t>(i);
      start_resync(u, state_[u].last_seq, -1, recv_mono_ns);
    }
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

void O2Feed::request_rest(std::uint32_t i, std::uint64_t purpose) noexcept {
  if (rest_ == nullptr || state_[i].rest_pending) return;
  std::array<char, 96> path{};
  const int n = std::snprintf(path.data(), path.size(), schema::kOrderBookPathFmt,
                              static_cast<long long>(opt_.market_ids[i]));
  if (n <= 0 || static_cast<std::size_t>(n) >= path.size()) return;
  try {
    state_[i].rest_pending = rest_->get(std::string_view(path.data(), static_cast<std::size_t>(n)),
                                        (purpose << 32U) | i);
  } catch (...) {
    ++c_.rest_failures;
  }
}

void O2Feed::apply_rest_snapshot(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                                 std::int64_t mono_ns) noexcept {
  MarketState& st = state_[i];
  if (!m.has_seq) {
    // Without a sequence it cannot be aligned with the stream: keep waiting
    // for the WebSocket snapshot (the timer resubscribes).
    ++c_.rest_failures;
    return;
  }
  // The REST book must not be older than the buffered deltas it is to be
  // joined to: the first buffered delta after it has to chain on its seq.
  std::size_t k = 0;
  const std::size_t n = books_.buffered(i);
  while (k < n && books_.buffered_delta(i, k).key <= m.seq) ++k;
  if (n > 0 && k == 0 && books_.buffered_delta(i, 0).prev_key != m.seq) {
    ++c_.rest_failures;  // a hole between the REST book and the buffer
    books_.buffer_clear(i);
    return;
  }
  const std::int64_t ts_ns = ms_to_ns(m.ts_ms);
  books_.begin_snapshot(i, recv_ns);
  if (!books_.set_levels(i, m.bids, m.asks, ts_ns, recv_ns)) {
    ++c_.rest_failures;
    bump(books_.counters().malformed);
    books_.buffer_clear(i);
    return;
  }
  std::int64_t last = m.seq;
  for (; k < n; ++k) {
    const auto& d = books_.buffered_delta(i, k);
    if (d.prev_key != last) {
      // The buffer itself has a hole: this book cannot be trusted.
      books_.buffer_clear(i);
      start_resync(i, last, d.prev_key, mono_ns);
      return;
    }
    books_.apply_buffered(i, k);
    last = d.key;
  }
  books_.buffer_clear(i);
  st.phase = Phase::live;
  st.sequenced = true;
  st.last_seq = last;
  st.snapshot_timeouts = 0;
  st.last_data_ns = mono_ns;
  ++c_.rest_snapshots;
  bump(books_.counters().snapshots);
  books_.commit(i, BookStatus::live, true, ts_ns, recv_ns);
}

void O2Feed::compare_rest_top(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept {
  MarketState& st = state_[i];
  ++c_.rest_checks;
  // The REST book's best levels: bids may come in any order, so take extremes.
  auto best_of = [&](std::span<const LevelText> lv, bool bid, book::Level& out) noexcept {
    bool found = false;
    for (const LevelText& l : lv) {
      book::Level x{};
      if (book::parse_decimal(l.px, books_.px_exp(i), x.px) != book::DecimalError::ok ||
          book::parse_decimal(l.qty, books_.qty_exp(i), x.qty) != book::DecimalError::ok) {
        return false;  // more decimals than our book: it cannot be equal
      }
      if (x.qty == 0) continue;
      if (!found || (bid ? x.px > out.px : x.px < out.px)) out = x;
      found = true;
    }
    return true;
  };
  book::Level rb{}, ra{}, ob{}, oa{};
  bool same = best_of(m.bids, true, rb) && best_of(m.asks, false, ra);
  const bool has_ob = books_.book(i).best(book::Side::bid, ob);
  const bool has_oa = books_.book(i).best(book::Side::ask, oa);
  same = same && has_ob == !m.bids.empty() && has_oa == !m.asks.empty();
  same = same && (!has_ob || (ob.px == rb.px && ob.qty == rb.qty));
  same = same && (!has_oa || (oa.px == ra.px && oa.qty == ra.qty));
  if (same) {
    st.mismatches = 0;
    st.next_check_ns = mono_ns + opt_.rest_check_interval_ns;
    return;
  }
  ++c_.rest_mismatches;
  if (++st.mismatches >= 2) {
    start_resync(i, -1, -1, mono_ns);  // drift: no ids to report
    return;
  }
  st.next_check_ns = mono_ns + opt_.rest_confirm_ns;
}

void O2Feed::on_rest_reply(std::uint64_t tag, int http_status, const char* data, std::size_t len,
                           std::size_t capacity, std::int64_t recv_realtime_ns,
                           std::int64_t recv_mono_ns) noexcept {
  const auto i = static_cast<std::uint32_t>(tag & 0xffffffffU);
  const std::uint64_t purpose = tag >> 32U;
  if (i >= books_.size()) return;
  MarketState& st = state_[i];
  st.rest_pending = false;
  Message m;
  if (http_status != 200 || parser_.parse_rest_book(data, len, capacity, m) != ParseStatus::ok ||
      m.kind != MsgKind::book) {
    ++c_.rest_failures;
    if (purpose == kTagCheck) st.next_check_ns = recv_mono_ns + opt_.rest_check_interval_ns;
    return;
  }
  if (m.has_market_id && m.market_id != opt_.market_ids[i]) {
    ++c_.rest_failures;
    return;
  }
  if (purpose == kTagSnapshot && st.phase == Phase::awaiting_snapshot) {
    apply_rest_snapshot(i, m, recv_realtime_ns, recv_mono_ns);
  } else if (purpose == kTagCheck && st.phase == Phase::live && !st.sequenced) {
    compare_rest_top(i, m, recv_mono_ns);
  }
}

FeedAction O2Feed::on_timer(std::int64_t now) noexcept {
  if (!connected_) return FeedAction::none;
  if (opt_.idle_timeout_ns > 0 && now - last_rx_ns_ > opt_.idle_timeout_ns) {
    return FeedAction::reconnect;
  }
  try {
    for (std::uint32_t i = 0; i < books_.size(); ++i) {
      MarketState& st = state_[i];
      if (st.phase == Phase::awaiting_snapshot &&
          now - st.subscribed_ns > opt_.snapshot_timeout_ns) {
        // The WebSocket snapshot did not come: ask again, and from the second
        // miss on also fetch the REST book (aligned on the buffered deltas).
        const int misses = ++st.snapshot_timeouts;
        resubscribe(i, now);
        st.snapshot_timeouts = misses;
        if (misses >= 2) request_rest(i, kTagSnapshot);
      } else if (st.phase == Phase::live) {
        if (now - st.last_data_ns > opt_.stale_after_ns && books_.status(i) == BookStatus::live) {
          books_.set_status(i, BookStatus::stale, realtime_ns());
        }
        if (!st.sequenced && rest_ != nullptr && now >= st.next_check_ns) {
          st.next_check_ns = now + opt_.rest_check_interval_ns;
          request_rest(i, kTagCheck);
        }
      }
    }
  } catch (...) {
    bump(books_.counters().errors);
  }
  return FeedAction::none;
}

}  // namespace wirebook::feeds::o2
