#pragma once
// Pulse session rules and the change_id chain (PROTOCOLS.md §2, DESIGN §5).
//
// Per instrument: `public/subscribe` to `book.<instr>.<interval>` (and
// `quote.<instr>` when configured); the first notification is a snapshot
// (`type` decides, never the absence of prev_change_id). The sequencer checks
// every change with the chain rule prev_change_id == the channel's last
// change_id (never +1: ids are shared across instruments); on a break it puts
// only that instrument into RESYNCING and this class's resync action
// unsubscribes and subscribes that channel again (a plain re-subscribe gives
// no new snapshot). Heartbeats: `public/set_heartbeat`, every `test_request` answered
// with `public/test`.
//
// Where the Pulse document (pulse-api.txt) differs from Deribit, both are
// accepted and the document's way is used once the venue shows it
// (feeds/pulse/README.md):
// - it lists only `public/unsubscribe_all`: a refused `public/unsubscribe`
//   (-32601 or a CommonCodes 1..13 error) switches the resync action, for
//   good, to `public/unsubscribe_all` + subscribing every channel again;
// - it has no `public/test`: a refused `public/test` switches the answer to a
//   `test_request` to `public/set_heartbeat` (which re-arms the heartbeat);
// - `public/subscribe` returns a string: a non-list result is a grant;
// - `expires_in` may be an epoch (token_lifetime_ns).
//
// Reference data (`reference`): with the book channels, on every (re)connect
// and every unsubscribe_all resubscription, one public/subscribe for
// `funding_rates.<instr>` per instrument and `deribit_price_index.<index>`
// per distinct index (index_of). A rate goes to its instrument's reference
// slot as the funding rate; an index price to the slot of every instrument on
// that index.
//
// Transport-independent, like WooFeed. Threading: the venue thread only.
#include <cstdint>
#include <string>
#include <vector>

#include "feeds/common/outbox.hpp"
#include "feeds/common/sequencer.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/pulse/parser.hpp"

namespace wirebook::feeds::pulse {

enum class AuthMethod : std::uint8_t { none, client_credentials, client_signature };

struct PulseOptions {
  std::string interval = "raw";  // raw | 100ms
  // public/auth when credentials are configured (raw books need it on
  // Deribit-style venues). The secret is only ever sent (credentials) or used
  // as the HMAC key (signature); this class never logs.
  AuthMethod auth = AuthMethod::none;
  std::string client_id;
  std::string client_secret;
  std::int64_t auth_retry_ns = 30'000'000'000;  // after a refused login
  bool quotes = false;
  bool reference = false;  // funding_rates.* and deribit_price_index.* (see above)
  int heartbeat_s = 10;    // public/set_heartbeat interval (>= 10)
  std::size_t max_levels_per_frame = 20000;
  std::size_t max_frame_bytes = 16U << 20U;
  std::int64_t stale_after_ns = 60'000'000'000;
  std::int64_t snapshot_timeout_ns = 10'000'000'000;  // no snapshot after (re)subscribe: again
  bool fast_path = true;  // the book notification's fast path (fast_book.hpp); off only to compare
};

// How this venue wants a test_request answered (learned from its replies).
enum class HeartbeatAnswer : std::uint8_t {
  unknown,        // public/test sent, no reply yet
  test,           // public/test accepted (Deribit)
  set_heartbeat,  // public/test refused (the Pulse document has none): public/set_heartbeat
};

// The token lifetime an auth reply's `expires_in` gives, from `recv_realtime_ns`.
// Rule: a value below 10^9 is seconds from now (Deribit, the document's
// property text "Token lifetime in seconds"); from 10^9 (2001-09-09 as epoch
// seconds, ~31.7 years as a lifetime) an epoch in seconds, as the document's
// example 1516239022; from 10^12 an epoch in milliseconds. <= 0: unknown.
// The index an instrument's price index channel names: the part before the
// first '-', lower case ("BTC_USD-PERPETUAL" -> "btc_usd", as pulse-api.txt's
// index_name "Btc_usd or eth_usd"); empty for a name without '-'.
[[nodiscard]] std::string index_of(std::string_view instrument);

[[nodiscard]] std::int64_t token_lifetime_ns(std::int64_t expires_in,
                                             std::int64_t recv_realtime_ns) noexcept;

class PulseFeed final : public SnapshotSource {
 public:
  PulseFeed(VenueBooks& books, Outbox& out, PulseOptions options);

  void on_connected(std::int64_t now_mono_ns);
  void on_disconnected(std::int64_t now_mono_ns) noexcept;
  FeedAction on_frame(const char* data, std::size_t len, std::size_t capacity,
                      std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept;
  FeedAction on_timer(std::int64_t now_mono_ns) noexcept;
  // The sequencer's and the parser's state (an idle venue thread's
  // warming: warm_feed).
  void warm() const noexcept {
    seq_.warm();
    parser_.warm();
  }

  // Request ids by purpose (responses are matched on them).
  static constexpr std::int64_t kIdHeartbeat = 1;
  static constexpr std::int64_t kIdTest = 2;
  static constexpr std::int64_t kIdAuth = 3;
  static constexpr std::int64_t kIdUnsubscribeAll = 4;
  static constexpr std::int64_t kIdHeartbeatAnswer = 5;  // set_heartbeat as a test_request answer
  static constexpr std::int64_t kIdReference = 6;        // the reference channels' subscribe
  static constexpr std::int64_t kIdSubscribeBase = 100'000;
  static constexpr std::int64_t kIdUnsubscribeBase = 200'000;
  static constexpr std::int64_t kIdQuoteBase = 300'000;

  // The resync action: unsubscribe and subscribe the instrument's book channel
  // (or, on a venue that refused public/unsubscribe, unsubscribe_all and
  // subscribe every channel, once for all the books that need it).
  void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns, int attempt) override;

  // What the venue showed it supports (for tests and logs).
  [[nodiscard]] HeartbeatAnswer heartbeat_answer() const noexcept { return heartbeat_answer_; }
  [[nodiscard]] bool unsubscribe_refused() const noexcept { return unsubscribe_refused_; }
  // The distinct indexes of the configured instruments (index_of), in order.
  [[nodiscard]] const std::vector<std::string>& indexes() const noexcept { return indexes_; }
  // Mono time of the next token refresh (0: none due).
  [[nodiscard]] std::int64_t refresh_at_ns() const noexcept { return refresh_at_ns_; }

  // A token refresh is never scheduled sooner than this after a reply (an
  // epoch already past would otherwise log in again at once, every time).
  static constexpr std::int64_t kMinRefreshNs = 5'000'000'000;

 private:
  void subscribe_all(std::int64_t now_mono_ns);
  void subscribe_book(std::uint32_t i);
  void resubscribe_everything();
  void subscribe_reference();
  void on_reference(const Message& m, std::int64_t recv_ns) noexcept;
  void answer_test_request();
  void login(std::int64_t now_mono_ns);
  void on_auth(const Message& m, std::int64_t now_mono_ns, std::int64_t recv_realtime_ns);
  void on_error(const Message& m, std::int64_t now_mono_ns);
  void on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
               std::int64_t mono_ns) noexcept;
  void on_result(const Message& m) noexcept;
  void rpc(std::int64_t id, const char* method, const std::string& params);
  // Index of the instrument whose book channel this is (`instrument` is the
  // channel's instrument part, as the parser gives it), or -1.
  [[nodiscard]] int find_channel(std::string_view channel,
                                 std::string_view instrument) const noexcept;

  VenueBooks& books_;
  Outbox& out_;
  PulseOptions opt_;
  Parser parser_;
  std::vector<std::string> channels_;  // book.<instr>.<interval>, per instrument
  std::vector<std::string> indexes_;   // distinct index names (index_of)
  std::vector<std::size_t> index_at_;  // per instrument: its position in indexes_ (npos: none)
  Sequencer seq_;
  std::int64_t last_rx_ns_ = 0;
  bool connected_ = false;
  bool authed_ = false;
  std::int64_t auth_sent_ns_ = 0;  // a login is outstanding since (0: none)
  std::int64_t auth_retry_at_ns_ = 0;
  std::int64_t refresh_at_ns_ = 0;  // token refresh due (0: none)
  std::string refresh_token_;
  // Learned from the venue's replies; kept across reconnects (same venue).
  HeartbeatAnswer heartbeat_answer_ = HeartbeatAnswer::unknown;
  bool unsubscribe_refused_ = false;
  // Per instrument: a resubscription that brings its snapshot is on the way.
  std::vector<std::uint8_t> resub_pending_;
};

}  // namespace wirebook::feeds::pulse
