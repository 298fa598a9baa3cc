#include "feeds/woo/woo_feed.hpp"

#include <array>
#include <cstdio>
#include <cstring>

#include "feeds/common/clock.hpp"
#include "feeds/common/salvage.hpp"

namespace wirebook::feeds::woo {
namespace {


// Best-effort symbol of a frame that failed to parse: "topic":"<symbol>@...".
std::string_view topic_symbol(const char* data, std::size_t len) noexcept {
  return salvage::string_field(std::string_view(data, len), "\"topic\"", '@', 64);
}

// Index encoded in our request ids ("s12", "r3"), or -1.
int id_index(std::string_view id, char prefix) noexcept {
  if (id.size() < 2 || id[0] != prefix) return -1;
  int v = 0;
  for (std::size_t k = 1; k < id.size(); ++k) {
    if (id[k] < '0' || id[k] > '9' || v > 1'000'000) return -1;
    v = v * 10 + (id[k] - '0');
  }
  return v;
}

}  // namespace

WooFeed::WooFeed(VenueBooks& books, Outbox& out, WooOptions options)
    : books_(books),
      out_(out),
      opt_(options),
      parser_(options.max_levels_per_frame, options.max_frame_bytes),
      state_(books.size()) {}

void WooFeed::send(const char* fmt, const std::string& a, const std::string& b) {
  std::array<char, 512> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), fmt, a.c_str(), b.c_str());
  if (n > 0 && static_cast<std::size_t>(n) < buf.size()) {
    out_.send_text(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
}

void WooFeed::on_connected(std::int64_t now_mono_ns) {
  connected_ = true;
  last_rx_ns_ = now_mono_ns;
  last_ping_ns_ = now_mono_ns;
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    state_[i] = SymbolState{};
    state_[i].last_data_ns = now_mono_ns;
    books_.buffer_clear(i);
    books_.set_status(i, BookStatus::syncing, realtime_ns());
    const std::string idx = std::to_string(i);
    const std::string& sym = books_.symbol(i);
    send(R"({"id":"s%s","topic":"%s@orderbookupdate","event":"subscribe"})", idx, sym);
    if (opt_.trades) send(R"({"id":"t%s","topic":"%s@trade","event":"subscribe"})", idx, sym);
    if (opt_.bbo) send(R"({"id":"b%s","topic":"%s@bbo","event":"subscribe"})", idx, sym);
    state_[i].phase = Phase::awaiting_snapshot;
    request_snapshot(i, now_mono_ns);
  }
}

void WooFeed::on_disconnected(std::int64_t /*now_mono_ns*/) noexcept {
  connected_ = false;
  const std::int64_t now = realtime_ns();
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    state_[i].phase = Phase::idle;
    books_.buffer_clear(i);
    books_.set_status(i, BookStatus::disconnected, now);
  }
}

void WooFeed::request_snapshot(std::uint32_t i, std::int64_t now_mono_ns) {
  SymbolState& st = state_[i];
  ++st.retries;
  st.request_sent_ns = now_mono_ns;
  st.retry_at_ns = 0;
  send(R"({"id":"r%s","event":"request","params":{"type":"orderbook","symbol":"%s"}})",
       std::to_string(i), books_.symbol(i));
}

void WooFeed::start_resync(std::uint32_t i, std::int64_t expected, std::int64_t received,
                           std::int64_t now_mono_ns) noexcept {
  const std::int64_t now = realtime_ns();
  books_.gap(i, expected, received, now);
  bump(books_.counters().resyncs);
  books_.set_status(i, BookStatus::resyncing, now);
  books_.buffer_clear(i);
  state_[i].phase = Phase::awaiting_snapshot;
  state_[i].retries = 0;
  try {
    request_snapshot(i, now_mono_ns);
  } catch (...) {
    // Sending failed (allocation in the transport): retry from the timer.
    state_[i].retry_at_ns = now_mono_ns + opt_.snapshot_retry_pause_ns;
  }
}

bool WooFeed::buffer_update(std::uint32_t i, const Message& m) noexcept {
  if (!books_.buffer_begin(i, m.prev_ts_ms, m.ts_ms, ms_to_ns(m.ts_ms))) return false;
  const auto ok = [](LevelResult r) { return r == LevelResult::ok || r == LevelResult::widened; };
  for (const LevelText& l : m.bids) {
    if (!ok(books_.buffer_level(i, book::Side::bid, l.px, l.qty))) return false;
  }
  for (const LevelText& l : m.asks) {
    if (!ok(books_.buffer_level(i, book::Side::ask, l.px, l.qty))) return false;
  }
  return true;
}

void WooFeed::on_update(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                        std::int64_t mono_ns) noexcept {
  SymbolState& st = state_[i];
  st.last_data_ns = mono_ns;
  switch (st.phase) {
    case Phase::idle:
      return;
    case Phase::awaiting_snapshot:
      if (!buffer_update(i, m)) {
        // Buffer exhausted or a bad level: start over with an empty buffer;
        // the next reply realigns (or shows it is behind and re-requests).
        books_.buffer_clear(i);
        bump(books_.counters().malformed);
      }
      return;
    case Phase::live:
      break;
  }
  if (m.prev_ts_ms != st.last_ts) {
    start_resync(i, st.last_ts, m.prev_ts_ms, mono_ns);
    // Keep this delta: it may follow the snapshot we are about to receive.
    (void)buffer_update(i, m);
    return;
  }
  const std::int64_t ts_ns = ms_to_ns(m.ts_ms);
  if (!books_.set_levels(i, m.bids, m.asks, ts_ns, recv_ns)) {
    bump(books_.counters().malformed);
    start_resync(i, st.last_ts, m.prev_ts_ms, mono_ns);
    return;
  }
  st.last_ts = m.ts_ms;
  books_.commit(i, BookStatus::live, false, ts_ns, recv_ns);
}

void WooFeed::on_reply(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                       std::int64_t mono_ns) noexcept {
  SymbolState& st = state_[i];
  if (st.phase != Phase::awaiting_snapshot) return;  // an older request's answer
  const std::int64_t key = m.data_ts_ms;
  const std::int64_t ts_ns = ms_to_ns(key);
  books_.begin_snapshot(i, recv_ns);
  if (!books_.set_levels(i, m.bids, m.asks, ts_ns, recv_ns)) {
    bump(books_.counters().malformed);
    st.retry_at_ns = mono_ns + opt_.snapshot_retry_pause_ns;
    return;
  }
  std::int64_t last = key;
  const std::size_t n = books_.buffered(i);
  for (std::size_t k = 0; k < n; ++k) {
    const auto& d = books_.buffered_delta(i, k);
    if (d.prev_key < last && d.key <= last) {
      bump(books_.counters().stale_dropped);  // already in the snapshot
      continue;
    }
    if (d.prev_key == last) {
      books_.apply_buffered(i, k);
      last = d.key;
      continue;
    }
    // The reply is behind the buffered chain (or the buffer has a hole):
    // ask again after a pause; retries beyond the bound wait the full timeout.
    const bool backoff = st.retries >= opt_.snapshot_max_retries;
    st.retry_at_ns = mono_ns + (backoff ? opt_.snapshot_timeout_ns : opt_.snapshot_retry_pause_ns);
    return;
  }
  books_.buffer_clear(i);
  st.phase = Phase::live;
  st.last_ts = last;
  st.retries = 0;
  st.last_data_ns = mono_ns;
  books_.commit(i, BookStatus::live, true, ms_to_ns(last), recv_ns);
}

void WooFeed::on_error(const Message& m, std::int64_t mono_ns) noexcept {
  books_.venue_error(m.id.empty() ? std::string_view("request") : m.id, 0, m.error_msg);
  if (const int s = id_index(m.id, 's'); s >= 0 && static_cast<std::uint32_t>(s) < books_.size()) {
    state_[static_cast<std::size_t>(s)].errored = true;  // stays SYNCING: never trusted
    return;
  }
  if (const int r = id_index(m.id, 'r'); r >= 0 && static_cast<std::uint32_t>(r) < books_.size()) {
    SymbolState& st = state_[static_cast<std::size_t>(r)];
    if (st.phase == Phase::awaiting_snapshot) st.retry_at_ns = mono_ns + opt_.snapshot_timeout_ns;
  }
}

FeedAction WooFeed::on_frame(const char* data, std::size_t len, std::size_t capacity,
                             std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept {
  VenueCounters& c = books_.counters();
  bump(c.frames);
  bump(c.bytes, len);
  last_rx_ns_ = recv_mono_ns;
  Message m;
  const ParseStatus ps = parser_.parse(data, len, capacity, m);
  if (ps != ParseStatus::ok) {
    bump(c.malformed);
    // A broken frame may have been a delta of some symbol: resync it at once
    // when the topic is still readable, otherwise its next delta shows the break.
    const int i = books_.find(topic_symbol(data, len));
    if (i >= 0 && state_[static_cast<std::size_t>(i)].phase == Phase::live) {
      const auto u = static_cast<std::uint32_t>(i);
      start_resync(u, state_[u].last_ts, -1, recv_mono_ns);
    }
    return FeedAction::none;
  }
  switch (m.kind) {
    case MsgKind::book_update:
    case MsgKind::request_reply:
    case MsgKind::trade:
    case MsgKind::bbo: {
      const int i = books_.find(m.symbol);
      if (i < 0) {
        bump(c.unexpected);
        return FeedAction::none;
      }
      const auto u = static_cast<std::uint32_t>(i);
      if (m.kind == MsgKind::book_update) {
        on_update(u, m, recv_realtime_ns, recv_mono_ns);
      } else if (m.kind == MsgKind::request_reply) {
        on_reply(u, m, recv_realtime_ns, recv_mono_ns);
      } else if (m.kind == MsgKind::trade) {
        const auto side = (m.side == "SELL") ? book::Side::ask : book::Side::bid;
        books_.trade(u, side, m.price, m.size, ms_to_ns(m.ts_ms), recv_realtime_ns);
      } else {
        books_.bbo(u, m.bid, m.bid_size, m.ask, m.ask_size, ms_to_ns(m.ts_ms), recv_realtime_ns);
      }
      return FeedAction::none;
    }
    case MsgKind::ping:
      try {
        out_.send_text(R"({"event":"pong"})");
      } catch (...) {
        bump(c.errors);
      }
      return FeedAction::none;
    case MsgKind::error:
      on_error(m, recv_mono_ns);
      return FeedAction::none;
    case MsgKind::pong:
    case MsgKind::subscribe_ack:
    case MsgKind::unsubscribe_ack:
      return FeedAction::none;
    case MsgKind::book_snapshot:
    case MsgKind::other:
      bump(c.unexpected);
      return FeedAction::none;
  }
  return FeedAction::none;
}

FeedAction WooFeed::on_timer(std::int64_t now) noexcept {
  if (!connected_) return FeedAction::none;
  if (now - last_rx_ns_ > opt_.dead_after_ns) return FeedAction::reconnect;
  try {
    if (now - last_ping_ns_ >= opt_.ping_interval_ns) {
      last_ping_ns_ = now;
      out_.send_text(R"({"event":"ping"})");
    }
    for (std::uint32_t i = 0; i < books_.size(); ++i) {
      SymbolState& st = state_[i];
      if (st.phase == Phase::awaiting_snapshot && !st.errored) {
        const bool deferred_due = st.retry_at_ns != 0 && now >= st.retry_at_ns;
        const bool timed_out =
            st.retry_at_ns == 0 && now - st.request_sent_ns > opt_.snapshot_timeout_ns;
        if (deferred_due || timed_out) request_snapshot(i, now);
      } else if (st.phase == Phase::live && now - st.last_data_ns > opt_.stale_after_ns &&
                 books_.status(i) == BookStatus::live) {
        books_.set_status(i, BookStatus::stale, realtime_ns());
      }
    }
  } catch (...) {
    bump(books_.counters().errors);
  }
  return FeedAction::none;
}

}  // namespace wirebook::feeds::woo
