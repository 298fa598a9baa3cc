#include "feeds/pulse/pulse_feed.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>

#include "feeds/common/clock.hpp"
#include "feeds/common/hmac.hpp"
#include "feeds/common/salvage.hpp"

namespace wirebook::feeds::pulse {
namespace {

// Best-effort channel of a frame that failed to parse.
std::string_view channel_in(const char* data, std::size_t len) noexcept {
  return salvage::string_field(std::string_view(data, len), "\"channel\"", '"', 96);
}

// A refusal that says the method does not exist: JSON-RPC's -32601, or one of
// the Pulse document's CommonCodes 1..13 (it gives them no meanings, and a
// venue that answers with them is the documented one).
bool unknown_method(std::int64_t code) noexcept {
  return code == -32601 || (code >= 1 && code <= 13);
}

std::string channels_param(std::string_view channel) {
  std::string p = R"({"channels":[")";
  p.append(channel).append(R"("]})");
  return p;
}

}  // namespace

std::string index_of(std::string_view instrument) {
  const auto dash = instrument.find('-');
  if (dash == std::string_view::npos || dash == 0) return {};
  std::string index(instrument.substr(0, dash));
  for (char& c : index) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return index;
}

std::int64_t token_lifetime_ns(std::int64_t expires_in, std::int64_t recv_realtime_ns) noexcept {
  constexpr std::int64_t kEpochSeconds = 1'000'000'000;  // 2001-09-09 in epoch seconds
  constexpr std::int64_t kEpochMs = 1'000'000'000'000;   // the same instant in ms
  constexpr std::int64_t kFar = std::numeric_limits<std::int64_t>::max() / 2;  // no overflow
  if (expires_in <= 0) return 0;
  if (expires_in < kEpochSeconds) return expires_in * 1'000'000'000;
  std::int64_t at_ns = kFar;
  if (expires_in < kEpochMs) {
    if (expires_in < kFar / 1'000'000'000) at_ns = expires_in * 1'000'000'000;
  } else if (expires_in < kFar / 1'000'000) {
    at_ns = expires_in * 1'000'000;
  }
  return at_ns - recv_realtime_ns;  // <= 0: already expired when it arrived
}

PulseFeed::PulseFeed(VenueBooks& books, Outbox& out, PulseOptions options)
    : books_(books),
      out_(out),
      opt_(std::move(options)),
      parser_(opt_.max_levels_per_frame, opt_.max_frame_bytes),
      seq_(books, *this,
           SequencerOptions{.stale_after_ns = opt_.stale_after_ns,
                            .snapshot_timeout_ns = opt_.snapshot_timeout_ns}),
      resub_pending_(books.size(), 0) {
  parser_.set_fast_path(opt_.fast_path);
  for (std::uint32_t i = 0; i < books.size(); ++i) {
    channels_.push_back("book." + books.symbol(i) + "." + opt_.interval);
    const std::string index = index_of(books.symbol(i));
    std::size_t at = std::string::npos;
    if (!index.empty()) {
      at = static_cast<std::size_t>(std::find(indexes_.begin(), indexes_.end(), index) -
                                    indexes_.begin());
      if (at == indexes_.size()) indexes_.push_back(index);
    }
    index_at_.push_back(at);
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

void PulseFeed::request_snapshot(std::uint32_t i, std::int64_t /*now_mono_ns*/, int attempt) {
  if (unsubscribe_refused_) {
    // A resubscription already on its way brings i's snapshot too; a retry
    // (attempt > 1: it did not come) sends a new one.
    if (resub_pending_[i] != 0 && attempt <= 1) return;
    resubscribe_everything();
    return;
  }
  // Subscribing to an active channel again sends no snapshot (PROTOCOLS §2.5):
  // unsubscribe first; the socket keeps the order of the two requests.
  rpc(kIdUnsubscribeBase + i, "public/unsubscribe", channels_param(channels_[i]));
  rpc(kIdSubscribeBase + i, "public/subscribe", channels_param(channels_[i]));
}

// The resync the Pulse document supports (it lists public/unsubscribe_all
// only): drop every subscription, then subscribe every channel again, so
// every book gets a fresh snapshot (LIVE books simply take theirs).
void PulseFeed::resubscribe_everything() {
  rpc(kIdUnsubscribeAll, "public/unsubscribe_all", "{}");
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    subscribe_book(i);
    resub_pending_[i] = 1;
  }
  subscribe_reference();  // unsubscribe_all dropped them too
}

// One request for every reference channel: funding_rates per instrument, the
// price index once per distinct index. Deribit drops unknown channels from
// its reply silently; a missing one only leaves its fields unknown.
void PulseFeed::subscribe_reference() {
  if (!opt_.reference) return;
  std::string p = R"({"channels":[)";
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    p.append(i == 0 ? "\"" : ",\"").append("funding_rates.").append(books_.symbol(i)).append("\"");
  }
  for (const std::string& index : indexes_) {
    p.append(",\"deribit_price_index.").append(index).append("\"");
  }
  p.append("]}");
  rpc(kIdReference, "public/subscribe", p);
}

// The book channel of i and, when configured, its quote channel.
void PulseFeed::subscribe_book(std::uint32_t i) {
  rpc(kIdSubscribeBase + i, "public/subscribe", channels_param(channels_[i]));
  if (opt_.quotes)
    rpc(kIdQuoteBase + i, "public/subscribe", channels_param("quote." + books_.symbol(i)));
}

void PulseFeed::answer_test_request() {
  if (heartbeat_answer_ == HeartbeatAnswer::set_heartbeat) {
    rpc(kIdHeartbeatAnswer, "public/set_heartbeat",
        R"({"interval":)" + std::to_string(opt_.heartbeat_s < 10 ? 10 : opt_.heartbeat_s) + "}");
    return;
  }
  rpc(kIdTest, "public/test", "{}");
}

void PulseFeed::on_connected(std::int64_t now_mono_ns) {
  connected_ = true;
  authed_ = false;
  refresh_at_ns_ = 0;
  auth_retry_at_ns_ = 0;
  last_rx_ns_ = now_mono_ns;
  std::fill(resub_pending_.begin(), resub_pending_.end(), std::uint8_t{0});
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
    subscribe_book(i);
    seq_.awaiting(i, now_mono_ns);  // the subscription brings the snapshot
  }
  subscribe_reference();
}

// funding_rates: the rate (pulse-api.txt models.FundingRateNotification) is
// taken as a fraction per funding period, as sent. Its range_start/range_end
// are not mapped: the document says only "Range end" (an integer in one
// schema, a string in another, the example in seconds), which does not say
// that it is the next funding time. It carries no timestamp: the exchange
// time is the notification's `timestamp` when present, else 0 (unknown).
// deribit_price_index: price for every instrument on the index; `timestamp`
// in ms like every Pulse timestamp (the example's 1612137600 is a
// placeholder, PROTOCOLS §2.7).
void PulseFeed::on_reference(const Message& m, std::int64_t recv_ns) noexcept {
  const std::int64_t ts_ns = ms_to_ns(m.timestamp_ms);
  if (m.kind == MsgKind::funding_rate) {
    const int i = books_.find(m.instrument);
    if (i < 0) {
      bump(books_.counters().unexpected);
      return;
    }
    ReferenceText r;
    r.funding_rate = m.rate;
    (void)books_.reference(static_cast<std::uint32_t>(i), r, ts_ns, recv_ns);
    return;
  }
  std::size_t at = 0;
  while (at < indexes_.size() && indexes_[at] != m.index_name) ++at;
  if (at == indexes_.size()) {
    bump(books_.counters().unexpected);
    return;
  }
  ReferenceText r;
  r.index_price = m.index_price;
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    if (index_at_[i] != at) continue;
    if (books_.reference(i, r, ts_ns, recv_ns) == ReferenceResult::bad_number) return;
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

void PulseFeed::on_auth(const Message& m, std::int64_t now_mono_ns, std::int64_t recv_realtime_ns) {
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
  // Refresh well before expiry (at 80 % of the lifetime); an epoch already
  // past when it arrived (the document's example is one) after a short pause.
  const std::int64_t life_ns = token_lifetime_ns(m.expires_in, recv_realtime_ns);
  if (m.expires_in <= 0) {
    refresh_at_ns_ = 0;
  } else {
    refresh_at_ns_ = now_mono_ns + (life_ns > 0 ? life_ns - life_ns / 5 : kMinRefreshNs);
  }
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
    resub_pending_[i] = 0;
    (void)seq_.on_snapshot<PrevIsLast>(i, ChainKeys{0, m.change_id}, m.bids, m.asks, ts_ns, recv_ns,
                                       mono_ns);
    return;
  }
  seq_.on_delta<PrevIsLast>(i, ChainKeys{m.prev_change_id, m.change_id, m.has_prev_change_id, true},
                            m.bids, m.asks, ts_ns, recv_ns, mono_ns);
}

void PulseFeed::on_result(const Message& m) noexcept {
  if (m.id == kIdTest) {
    if (heartbeat_answer_ == HeartbeatAnswer::unknown) heartbeat_answer_ = HeartbeatAnswer::test;
    return;
  }
  if (m.id < kIdSubscribeBase ||
      m.id >= kIdSubscribeBase + static_cast<std::int64_t>(books_.size())) {
    return;
  }
  // Deribit answers with the channels it actually subscribed (unknown ones
  // are silently dropped): a missing channel leaves the instrument untrusted.
  // The Pulse document's answer is a string, which names no channel: a grant.
  const auto i = static_cast<std::uint32_t>(m.id - kIdSubscribeBase);
  bool granted = m.result_not_list;
  for (const auto ch : m.result_channels) granted = granted || ch == channels_[i];
  if (!granted) {
    seq_.refuse(i);
    bump(books_.counters().errors);
  }
}

// Every error object is an error, whatever its code (JSON-RPC, Deribit's, the
// document's CommonCodes): logged with code and message. Two refusals teach
// the feed the document's way (each logged once, when learned).
void PulseFeed::on_error(const Message& m, std::int64_t /*now_mono_ns*/) {
  if (m.id == kIdTest) {
    if (heartbeat_answer_ != HeartbeatAnswer::set_heartbeat) {
      heartbeat_answer_ = HeartbeatAnswer::set_heartbeat;
      books_.venue_error("public/test refused, test_request now answered with public/set_heartbeat",
                         m.error_code, m.error_message);
      answer_test_request();  // the test_request this reply was for
    }
    return;
  }
  const auto n = static_cast<std::int64_t>(books_.size());
  if (m.id >= kIdUnsubscribeBase && m.id < kIdUnsubscribeBase + n) {
    // The subscribe sent with it was acked without a snapshot (the channel was
    // still active). An unsubscribe sent before the venue taught us is covered
    // by the resubscription that lesson started.
    if (unsubscribe_refused_) return;
    if (unknown_method(m.error_code)) {
      unsubscribe_refused_ = true;
      books_.venue_error("public/unsubscribe refused, resync now by public/unsubscribe_all",
                         m.error_code, m.error_message);
    } else {
      books_.venue_error("public/unsubscribe", m.error_code, m.error_message);
    }
    resubscribe_everything();
    return;
  }
  books_.venue_error("request", m.error_code, m.error_message);
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
    case MsgKind::funding_rate:
    case MsgKind::price_index:
      on_reference(m, recv_realtime_ns);
      return FeedAction::none;
    case MsgKind::test_request:
      try {
        answer_test_request();
      } catch (...) {
        bump(c.errors);
      }
      return FeedAction::none;
    case MsgKind::result:
    case MsgKind::error:
      try {
        if (m.id == kIdAuth) {
          on_auth(m, recv_mono_ns, recv_realtime_ns);
        } else if (m.kind == MsgKind::result) {
          on_result(m);
        } else {
          on_error(m, recv_mono_ns);
        }
      } catch (...) {
        bump(c.errors);
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
