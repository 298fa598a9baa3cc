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
      seq_(books, *this,
           SequencerOptions{.stale_after_ns = options.stale_after_ns,
                            .snapshot_timeout_ns = options.snapshot_timeout_ns,
                            .retry_pause_ns = options.snapshot_retry_pause_ns,
                            .quick_retries = options.snapshot_max_retries,
                            .buffer_deltas = true,
                            .keep_breaking_delta = true,
                            .solicited_snapshots_only = true}) {}

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
  seq_.on_connected(now_mono_ns);
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    const std::string idx = std::to_string(i);
    const std::string& sym = books_.symbol(i);
    send(R"({"id":"s%s","topic":"%s@orderbookupdate","event":"subscribe"})", idx, sym);
    if (opt_.trades) send(R"({"id":"t%s","topic":"%s@trade","event":"subscribe"})", idx, sym);
    if (opt_.bbo) send(R"({"id":"b%s","topic":"%s@bbo","event":"subscribe"})", idx, sym);
    seq_.request(i, now_mono_ns);
  }
}

void WooFeed::on_disconnected(std::int64_t /*now_mono_ns*/) noexcept {
  connected_ = false;
  seq_.on_disconnected();
}

void WooFeed::request_snapshot(std::uint32_t i, std::int64_t /*now_mono_ns*/, int /*attempt*/) {
  send(R"({"id":"r%s","event":"request","params":{"type":"orderbook","symbol":"%s"}})",
       std::to_string(i), books_.symbol(i));
}

// A delta chains on the previous delta's envelope ts (PROTOCOLS §1.5); the
// reply to our request is the snapshot, keyed by its data.ts.
void WooFeed::on_book_message(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                              std::int64_t mono_ns) noexcept {
  if (m.kind == MsgKind::book_update) {
    seq_.on_delta<PrevIsLast>(i, ChainKeys{m.prev_ts_ms, m.ts_ms}, m.bids, m.asks,
                              ms_to_ns(m.ts_ms), recv_ns, mono_ns);
  } else {
    (void)seq_.on_snapshot<PrevIsLast>(i, ChainKeys{0, m.data_ts_ms}, m.bids, m.asks,
                                       ms_to_ns(m.data_ts_ms), recv_ns, mono_ns);
  }
}

void WooFeed::on_error(const Message& m, std::int64_t mono_ns) noexcept {
  books_.venue_error(m.id.empty() ? std::string_view("request") : m.id, 0, m.error_msg);
  if (const int s = id_index(m.id, 's'); s >= 0 && static_cast<std::uint32_t>(s) < books_.size()) {
    seq_.refuse(static_cast<std::uint32_t>(s));  // stays SYNCING: never trusted
    return;
  }
  if (const int r = id_index(m.id, 'r'); r >= 0 && static_cast<std::uint32_t>(r) < books_.size()) {
    seq_.retry_later(static_cast<std::uint32_t>(r), mono_ns);
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
    if (i >= 0) seq_.on_broken_frame(static_cast<std::uint32_t>(i), recv_mono_ns);
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
      if (m.kind == MsgKind::book_update || m.kind == MsgKind::request_reply) {
        on_book_message(u, m, recv_realtime_ns, recv_mono_ns);
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
  } catch (...) {
    bump(books_.counters().errors);
  }
  seq_.on_timer(now);
  return FeedAction::none;
}

}  // namespace wirebook::feeds::woo
