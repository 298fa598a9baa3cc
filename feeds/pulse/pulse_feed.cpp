#include "feeds/pulse/pulse_feed.hpp"

#include <array>
#include <cstdio>

#include "feeds/common/clock.hpp"
#include "feeds/common/hmac.hpp"
#include "feeds/common/salvage.hpp"

namespace wirebook::feeds::pulse {
namespace {


// Best-effort channel of a frame that failed to parse.
std::string_view channel_in(const char* data, std::size_t len) noexcept {
  return salvage::string_field(std::string_view(data, len), "\"channel\"", '"', 96);
}

}  // namespace

PulseFeed::PulseFeed(VenueBooks& books, Outbox& out, PulseOptions options)
    : books_(books),
      out_(out),
      opt_(std::move(options)),
      parser_(opt_.max_levels_per_frame, opt_.max_frame_bytes),
      state_(books.size()) {
  for (std::uint32_t i = 0; i < books.size(); ++i) {
    channels_.push_back("book." + books.symbol(i) + "." + opt_.interval);
  }
}

void PulseFeed::rpc(std::int64_t id, const char* method, const std::string& params) {
  std::string f = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method +
                  R"(","params":)" + params + "}";
  out_.send_text(f);
}

int PulseFeed::find_channel(std::string_view channel, std::string_view instrument) const noexcept {
  // The instrument's hash lookup, then one compare of the whole channel.
  const int i = books_.find(instrument);
  return (i >= 0 && channels_[static_cast<std::size_t>(i)] == channel) ? i : -1;
}

void PulseFeed::subscribe(std::uint32_t i, std::int64_t now_mono_ns) {
  InstrumentState& st = state_[i];
  st.phase = Phase::awaiting_snapshot;
  st.subscribed_ns = now_mono_ns;
  rpc(kIdSubscribeBase + i, "public/subscribe", R"({"channels":[")" + channels_[i] + R"("]})");
}

void PulseFeed::resubscribe(std::uint32_t i, std::int64_t now_mono_ns) {
  // Subscribing to an active channel again sends no snapshot (PROTOCOLS §2.5):
  // unsubscribe first; the socket keeps the order of the two requests.
  rpc(kIdUnsubscribeBase + i, "public/unsubscribe", R"({"channels":[")" + channels_[i] + R"("]})");
  subscribe(i, now_mono_ns);
}

void PulseFeed::on_connected(std::int64_t now_mono_ns) {
  connected_ = true;
  authed_ = false;
  refresh_at_ns_ = 0;
  auth_retry_at_ns_ = 0;
  last_rx_ns_ = now_mono_ns;
  rpc(kIdHeartbeat, "public/set_heartbeat",
      R"({"interval":)" + std::to_string(opt_.heartbeat_s < 10 ? 10 : opt_.heartbeat_s) + "}");
  const std::int64_t now = realtime_ns();
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    state_[i] = InstrumentState{};
    state_[i].last_data_ns = now_mono_ns;
    books_.set_status(i, BookStatus::syncing, now);
  }
  // Authenticated sessions subscribe once the login is accepted.
  if (opt_.auth != AuthMethod::none) {
    login(now_mono_ns);
  } else {
    subscribe_all(now_mono_ns);
  }
}

void PulseFeed::subscribe_all(std::int64_t now_mono_ns) {
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    subscribe(i, now_mono_ns);
    if (opt_.quotes) {
      rpc(kIdQuoteBase + i, "public/subscribe",
          R"({"channels":["quote.)" + books_.symbol(i) + R"("]})");
    }
  }
}

void PulseFeed::login(std::int64_t now_mono_ns) {
  auth_sent_ns_ = now_mono_ns;
  auth_retry_at_ns_ = 0;
  if (!refresh_token_.empty() && authed_) {
    rpc(kIdAuth, "public/auth",
        R"({"grant_type":"refresh_token","refresh_token":")" + refresh_token_ + R"("})");
    return;
  }
  if (opt_.auth == AuthMethod::client_credentials) {
    rpc(kIdAuth, "public/auth",
        R"({"grant_type":"client_credentials","client_id":")" + opt_.client_id +
            R"(","client_secret":")" + opt_.client_secret + R"("})");
    return;
  }
  // client_signature: HMAC-SHA256(secret, timestamp + "\n" + nonce + "\n" + data), hex.
  const std::string ts = std::to_string(realtime_ns() / 1'000'000);
  const std::string nonce = random_hex(8);
  const std::string data;
  const std::string sig = hmac_sha256_hex(opt_.client_secret, ts + "\n" + nonce + "\n" + data);
  rpc(kIdAuth, "public/auth",
      R"({"grant_type":"client_signature","client_id":")" + opt_.client_id + R"(","timestamp":)" +
          ts + R"(,"signature":")" + sig + R"(","nonce":")" + nonce + R"(","data":""})");
}

void PulseFeed::on_auth(const Message& m, std::int64_t now_mono_ns) {
  auth_sent_ns_ = 0;
  if (m.kind == MsgKind::error || !m.has_access_token) {
    books_.venue_error("public/auth", m.error_code,
                       m.kind == MsgKind::error ? m.error_message
                                                : std::string_view("no access_token in the reply"));
    authed_ = false;
    refresh_token_.clear();
    auth_retry_at_ns_ = now_mono_ns + opt_.auth_retry_ns;  // books stay SYNCING meanwhile
    return;
  }
  const bool first = !authed_;
  authed_ = true;
  refresh_token_.assign(m.refresh_token);
  // Refresh well before expiry (at 80 % of the lifetime).
  refresh_at_ns_ = m.expires_in_s > 0 ? now_mono_ns + m.expires_in_s * 800'000'000 : 0;
  if (first) subscribe_all(now_mono_ns);
}

void PulseFeed::on_disconnected(std::int64_t /*now_mono_ns*/) noexcept {
  connected_ = false;
  const std::int64_t now = realtime_ns();
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    state_[i].phase = Phase::idle;
    books_.set_status(i, BookStatus::disconnected, now);
  }
}

void PulseFeed::start_resync(std::uint32_t i, std::int64_t expected, std::int64_t received,
                             std::int64_t now_mono_ns) noexcept {
  const std::int64_t now = realtime_ns();
  books_.gap(i, expected, received, now);
  bump(books_.counters().resyncs);
  books_.set_status(i, BookStatus::resyncing, now);
  try {
    resubscribe(i, now_mono_ns);
  } catch (...) {
    state_[i].phase = Phase::awaiting_snapshot;  // the timer retries
    state_[i].subscribed_ns = 0;
  }
}

void PulseFeed::on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                        std::int64_t mono_ns) noexcept {
  InstrumentState& st = state_[i];
  st.last_data_ns = mono_ns;
  const std::int64_t ts_ns = ms_to_ns(m.timestamp_ms);
  if (m.type == BookType::snapshot) {
    if (st.phase == Phase::idle) return;
    books_.begin_snapshot(i, recv_ns);
    if (!books_.set_levels(i, m.bids, m.asks, ts_ns, recv_ns)) {
      bump(books_.counters().malformed);
      start_resync(i, 0, m.change_id, mono_ns);
      return;
    }
    st.phase = Phase::live;
    st.last_change_id = m.change_id;
    books_.commit(i, BookStatus::live, true, ts_ns, recv_ns);
    return;
  }
  // A change.
  if (st.phase != Phase::live) return;  // before the (new) snapshot: not ours to apply
  if (!m.has_prev_change_id || m.prev_change_id != st.last_change_id) {
    start_resync(i, st.last_change_id, m.has_prev_change_id ? m.prev_change_id : -1, mono_ns);
    return;
  }
  if (!books_.set_levels(i, m.bids, m.asks, ts_ns, recv_ns)) {
    bump(books_.counters().malformed);
    start_resync(i, st.last_change_id, m.prev_change_id, mono_ns);
    return;
  }
  st.last_change_id = m.change_id;
  books_.commit(i, BookStatus::live, false, ts_ns, recv_ns);
}

void PulseFeed::on_result(const Message& m) noexcept {
  if (m.id < kIdSubscribeBase ||
      m.id >= kIdSubscribeBase + static_cast<std::int64_t>(books_.size())) {
    return;
  }
  // The venue answers with the channels it actually subscribed (unknown ones
  // are silently dropped): a missing channel leaves the instrument untrusted.
  const auto i = static_cast<std::uint32_t>(m.id - kIdSubscribeBase);
  bool granted = false;
  for (const auto ch : m.result_channels) granted = granted || ch == channels_[i];
  if (!granted) {
    state_[i].refused = true;
    bump(books_.counters().errors);
  }
}

FeedAction PulseFeed::on_frame(const char* data, std::size_t len, std::size_t capacity,
                               std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept {
  VenueCounters& c = books_.counters();
  bump(c.frames);
  bump(c.bytes, len);
  last_rx_ns_ = recv_mono_ns;
  Message m;
  if (parser_.parse(data, len, capacity, m) != ParseStatus::ok) {
    bump(c.malformed);
    const std::string_view channel = channel_in(data, len);
    const int i = find_channel(channel, channel_instrument(channel));
    if (i >= 0 && state_[static_cast<std::size_t>(i)].phase == Phase::live) {
      const auto u = static_cast<std::uint32_t>(i);
      start_resync(u, state_[u].last_change_id, -1, recv_mono_ns);
    }
    return FeedAction::none;
  }
  switch (m.kind) {
    case MsgKind::book: {
      const int i = find_channel(m.channel, m.instrument);
      if (i < 0) {
        bump(c.unexpected);
        return FeedAction::none;
      }
      on_book(static_cast<std::uint32_t>(i), m, recv_realtime_ns, recv_mono_ns);
      return FeedAction::none;
    }
    case MsgKind::quote: {
      const int i = books_.find(m.instrument);
      if (i < 0) {
        bump(c.unexpected);
        return FeedAction::none;
      }
      books_.bbo(static_cast<std::uint32_t>(i), m.best_bid_price, m.best_bid_amount,
                 m.best_ask_price, m.best_ask_amount, ms_to_ns(m.timestamp_ms), recv_realtime_ns);
      return FeedAction::none;
    }
    case MsgKind::test_request:
      try {
        rpc(kIdTest, "public/test", "{}");
      } catch (...) {
        bump(c.errors);
      }
      return FeedAction::none;
    case MsgKind::result:
    case MsgKind::error:
      if (m.id == kIdAuth) {
        try {
          on_auth(m, recv_mono_ns);
        } catch (...) {
          bump(c.errors);
        }
      } else if (m.kind == MsgKind::result) {
        on_result(m);
      } else {
        books_.venue_error("request", m.error_code, m.error_message);
      }
      return FeedAction::none;
    case MsgKind::heartbeat:
      return FeedAction::none;
    case MsgKind::other:
      bump(c.unexpected);
      return FeedAction::none;
  }
  return FeedAction::none;
}

FeedAction PulseFeed::on_timer(std::int64_t now) noexcept {
  if (!connected_) return FeedAction::none;
  // With heartbeats set, the venue sends something at least every interval.
  const std::int64_t dead_after =
      3LL * (opt_.heartbeat_s < 10 ? 10 : opt_.heartbeat_s) * 1'000'000'000;
  if (now - last_rx_ns_ > dead_after) return FeedAction::reconnect;
  try {
    if (opt_.auth != AuthMethod::none) {
      if (auth_retry_at_ns_ != 0 && now >= auth_retry_at_ns_) login(now);
      if (authed_ && refresh_at_ns_ != 0 && now >= refresh_at_ns_ && auth_sent_ns_ == 0) {
        refresh_at_ns_ = 0;
        login(now);
      }
    }
    for (std::uint32_t i = 0; i < books_.size(); ++i) {
      InstrumentState& st = state_[i];
      if (st.phase == Phase::awaiting_snapshot && !st.refused &&
          now - st.subscribed_ns > opt_.snapshot_timeout_ns) {
        resubscribe(i, now);
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

}  // namespace wirebook::feeds::pulse
