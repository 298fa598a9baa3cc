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
  int heartbeat_s = 10;  // public/set_heartbeat interval (>= 10)
  std::size_t max_levels_per_frame = 20000;
  std::size_t max_frame_bytes = 16U << 20U;
  std::int64_t stale_after_ns = 60'000'000'000;
  std::int64_t snapshot_timeout_ns = 10'000'000'000;  // no snapshot after (re)subscribe: again
};

enum class FeedAction : std::uint8_t { none, reconnect };

class PulseFeed final : public SnapshotSource {
 public:
  PulseFeed(VenueBooks& books, Outbox& out, PulseOptions options);

  void on_connected(std::int64_t now_mono_ns);
  void on_disconnected(std::int64_t now_mono_ns) noexcept;
  FeedAction on_frame(const char* data, std::size_t len, std::size_t capacity,
                      std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept;
  FeedAction on_timer(std::int64_t now_mono_ns) noexcept;

  // Request ids by purpose (responses are matched on them).
  static constexpr std::int64_t kIdHeartbeat = 1;
  static constexpr std::int64_t kIdTest = 2;
  static constexpr std::int64_t kIdAuth = 3;
  static constexpr std::int64_t kIdSubscribeBase = 100'000;
  static constexpr std::int64_t kIdUnsubscribeBase = 200'000;
  static constexpr std::int64_t kIdQuoteBase = 300'000;

  // The resync action: unsubscribe and subscribe the instrument's book channel.
  void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns, int attempt) override;

 private:
  void subscribe_all(std::int64_t now_mono_ns);
  void login(std::int64_t now_mono_ns);
  void on_auth(const Message& m, std::int64_t now_mono_ns);
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
  Sequencer seq_;
  std::int64_t last_rx_ns_ = 0;
  bool connected_ = false;
  bool authed_ = false;
  std::int64_t auth_sent_ns_ = 0;  // a login is outstanding since (0: none)
  std::int64_t auth_retry_at_ns_ = 0;
  std::int64_t refresh_at_ns_ = 0;  // token refresh due (0: none)
  std::string refresh_token_;
};

}  // namespace wirebook::feeds::pulse
