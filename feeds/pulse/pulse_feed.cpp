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
      seq_(books, *this,
           SequencerOptions{.stale_after_ns = opt_.stale_after_ns,
                            .snapshot_timeout_ns = opt_.snapshot_timeout_ns}) {
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

void PulseFeed::request_snapshot(std::uint32_t i, std::int64_t /*now_mono_ns*/, int /*attempt*/) {
  // Subscribing to an active channel again sends no snapshot (PROTOCOLS §2.5):
  // unsubscribe first; the socket keeps the order of the two requests.
  const std::string channels = R"({"channels":[")" + channels_[i] + R"("]})";
  rpc(kIdUnsubscribeBase + i, "public/unsubscribe", channels);
  rpc(kIdSubscribeBase + i, "public/subscribe", channels);
}

void PulseFeed::on_connected(std::int64_t now_mono_ns) {
  connected_ = true;
  authed_ = false;
  refresh_at_ns_ = 0;
  auth_retry_at_ns_ = 0;
  last_rx_ns_ = now_mono_ns;
  rpc(kIdHeartbeat, "public/set_heartbeat",
      R"({"interval":)" + std::to_string(opt_.heartbeat_s < 10 ? 10 : opt_.heartbeat_s) + "}");
  seq_.on_connected(now_mono_ns);
  // Authenticated sessions subscribe once the login is accepted.
  if (opt_.auth != AuthMethod::none) {
    login(now_mono_ns);
  } else {
    subscribe_all(now_mono_ns);
  }
}

void PulseFeed::subscribe_all(std::int64_t now_mono_ns) {
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    rpc(kIdSubscribeBase + i, "public/subscribe", R"({"channels":[")" + channels_[i] + R"("]})");
    seq_.awaiting(i, now_mono_ns);  // the subscription brings the snapshot
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
  seq_.on_disconnected();
}

void PulseFeed::on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                        std::int64_t mono_ns) noexcept {
  const std::int64_t ts_ns = ms_to_ns(m.timestamp_ms);
  if (m.type == BookType::snapshot) {
    (void)seq_.on_snapshot<PrevIsLast>(i, ChainKeys{0, m.change_id}, m.bids, m.asks, ts_ns, recv_ns,
                                       mono_ns);
    return;
  }
  seq_.on_delta<PrevIsLast>(i, ChainKeys{m.prev_change_id, m.change_id, m.has_prev_change_id, true},
                            m.bids, m.asks, ts_ns, recv_ns, mono_ns);
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
    seq_.refuse(i);
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
    if (i >= 0) seq_.on_broken_frame(static_cast<std::uint32_t>(i), recv_mono_ns);
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
  } catch (...) {
    bump(books_.counters().errors);
  }
  seq_.on_timer(now);
  return FeedAction::none;
}

}  // namespace wirebook::feeds::pulse
