#pragma once
// OX.FUN session rules and the seqNum chain (PROTOCOLS.md §4, DESIGN §5).
//
// Connect: wait for the greeting frame carrying `nonce` (every official
// example does, §4.1; its shape is undocumented, so after
// `greeting_timeout_ns` we proceed without it). Then, paced by RequestPacer
// (requests.hpp): the login when credentials are configured (§4.2), and
// subscribe frames with many args each: `depthUpdate:<market>` (plus
// `trade:`, `bestBidAsk:`, `depth:` when configured). `position:all` follows
// a successful login. A refused subscription (success:false) is logged with
// the venue's code and message and that market stays SYNCING (never
// trusted); a refused login is logged the same way and retried later, while
// the public books carry on.
//
// Books (§4.3): `depthUpdate` action partial is the snapshot, seqNum S;
// `depthUpdate-diff` action increment applies (absolute sizes, 0 deletes).
// Diffs before the snapshot are buffered (the sequencer); the first diff after
// the snapshot carries S itself, later ones larger. So a snapshot enters the
// chain with key S - 1 ("covers every diff before S"): buffered diffs up to
// S - 1 are dropped as covered, the diff S is the next. A non-increasing
// seqNum is a break; a jump (larger than last + 1) is counted, and whether it
// is a break is `jumps` (default JumpPolicy::break_chain, the safe choice
// while the docs do not say whether seqNum is contiguous per market, §4.3 /
// §7 item 4). On a break only that market resyncs: the resync action
// unsubscribes and subscribes its depthUpdate channel again (DESIGN §5),
// batched with other markets due at the same time. The `checksum` is kept by
// the parser and never checked (algorithm undocumented).
//
// Optional drift check (`depth_check`): the venue's complete `depth` push
// with the same seqNum as the incremental book must equal it level by level
// (the push holds the top of the book); a mismatch resyncs and is counted as
// drift.
//
// Keepalive (§4.1): a text `ping` every `ping_interval_ns`, `pong` expected;
// `max_missed_pongs` pings in a row without a pong, or nothing at all for
// `dead_after_ns`, reconnects. The session spaces connection attempts so the
// documented "200 per minute" is never exceeded (module.cpp).
//
// Trades and bestBidAsk go to the event ring. Position pushes are parsed into
// PositionFields and published through VenueBooks::position.
//
// Reference data (`reference`): `ticker:<market>` per configured market, in
// the same paced, ledger-paired subscribe frames (a refused ticker is logged
// and counted, never touches a book). Each ticker item publishes markPrice,
// indexPrice and openInterest (contracts) through VenueBooks::reference at
// the item's `timestamp`. No funding: OX.FUN has no funding channel on the
// websocket (only REST /v3/funding/estimates), and this feed polls no REST.
//
// Transport-independent like WooFeed. Threading: the venue thread only; the
// frame path never allocates or throws (requests are queued from the timer).
#include <cstdint>
#include <string>
#include <vector>

#include "feeds/common/outbox.hpp"
#include "feeds/common/sequencer.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/oxfun/parser.hpp"
#include "feeds/oxfun/requests.hpp"

namespace wirebook::feeds::oxfun {

enum class JumpPolicy : std::uint8_t { break_chain, count };

struct OxfunOptions {
  bool trades = false;
  bool bbo = false;
  bool positions = false;    // position:all after a successful login
  bool depth_check = false;  // compare with the venue's full `depth` push
  bool reference = false;    // ticker:<market>: mark, index, open interest
  JumpPolicy jumps = JumpPolicy::break_chain;
  // Login when both are set. The secret is only ever the HMAC key; this class never logs.
  std::string api_key;
  std::string api_secret;
  std::size_t args_per_frame = 20;
  std::int64_t request_interval_ns = 1'000'000'000;  // "Websocket API (No Auth) 1 per second"
  std::int64_t greeting_timeout_ns = 2'000'000'000;
  std::int64_t ping_interval_ns = 30'000'000'000;
  int max_missed_pongs = 2;
  std::int64_t dead_after_ns = 90'000'000'000;
  std::int64_t stale_after_ns = 60'000'000'000;
  std::int64_t snapshot_timeout_ns = 10'000'000'000;
  std::int64_t login_retry_ns = 30'000'000'000;
  std::size_t max_levels_per_frame = 20000;
  std::size_t max_frame_bytes = 16U << 20U;
};

// The seqNum chain (§4.3) with jumps allowed or not: a key not above the last
// is a break, last + 1 is the next, anything larger is a jump.
template <JumpPolicy P>
struct SeqNumChain {
  static Link link(const ChainHead& h, const ChainKeys& k) noexcept {
    if (!k.has_key || k.key <= h.last) return Link::gap;
    if (k.key == h.last + 1) return Link::next;
    return P == JumpPolicy::count ? Link::next : Link::gap;
  }
};

// Counters beyond VenueCounters (venue thread writes; read them when idle).
struct OxfunCounters {
  std::uint64_t seq_jumps = 0;  // diffs whose seqNum skipped ahead of last + 1
  std::uint64_t greetings = 0;
  std::uint64_t greeting_timeouts = 0;  // proceeded without a nonce frame
  std::uint64_t pongs = 0;
  std::uint64_t missed_pongs = 0;
  std::uint64_t requests_sent = 0;
  std::uint64_t resubscribes = 0;  // markets resubscribed to resync
  std::uint64_t refused_subscriptions = 0;
  std::uint64_t logins = 0;
  std::uint64_t login_refusals = 0;
  std::uint64_t trades = 0;
  std::uint64_t bbos = 0;
  std::uint64_t fixed_depth_frames = 0;  // depthL* pushes (not subscribed; ignored)
  std::uint64_t depth_checks = 0;        // full `depth` pushes compared with the book
  std::uint64_t depth_drift = 0;         // ... that differed: resynced
  std::uint64_t position_updates = 0;    // instruments in position pushes
  // Position updates the positions section refused (bad number or name, full
  // section; VenueBooks counts and logs the reason): nothing of them published.
  std::uint64_t positions_rejected = 0;
  std::uint64_t unknown_market = 0;
  std::uint64_t tickers = 0;           // ticker items published as reference data
  std::uint64_t tickers_rejected = 0;  // ... refused by VenueBooks::reference (counted there too)
  std::uint64_t tickers_unknown = 0;   // ticker items of a market without a configured book
};

class OxfunFeed final : public SnapshotSource {
 public:
  OxfunFeed(VenueBooks& books, Outbox& out, OxfunOptions options);

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

  [[nodiscard]] const OxfunCounters& oxfun_counters() const noexcept { return c_; }
  [[nodiscard]] bool logged_in() const noexcept { return authed_; }

  // The resync action: the market's depthUpdate channel is unsubscribed and
  // subscribed again from the timer (no allocation on the frame path).
  void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns, int attempt) override;

  static constexpr std::string_view kLoginTag = "login";

 private:
  [[nodiscard]] bool wants_login() const noexcept {
    return !opt_.api_key.empty() && !opt_.api_secret.empty();
  }
  void start_requests(std::int64_t now_mono_ns);
  void subscribe(std::vector<SubscribeArg> args);
  void queue_login();
  void queue_resubscribes();
  void send_requests(std::int64_t now_mono_ns);
  // Sends the due ping; false when too many pings went unanswered.
  [[nodiscard]] bool keepalive(std::int64_t now_mono_ns);
  void on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
               std::int64_t mono_ns) noexcept;
  void check_depth(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept;
  void on_events(const Message& m, std::int64_t recv_ns) noexcept;
  void on_tickers(const Message& m, std::int64_t recv_ns) noexcept;
  void on_ack(const Message& m, std::int64_t mono_ns) noexcept;
  void on_refusal(const Message& m, std::int64_t mono_ns) noexcept;
  void on_login(bool ok, const Message& m, std::int64_t mono_ns) noexcept;
  void apply_refusals(std::vector<Refusal>& refusals);
  void note_jump(std::uint32_t i, std::int64_t last, std::int64_t seq_num) noexcept;
  void hand_over_position(const PositionFields& p, std::int64_t exchange_ns,
                          std::int64_t recv_ns) noexcept;

  VenueBooks& books_;
  Outbox& out_;
  OxfunOptions opt_;
  Parser parser_;
  Sequencer seq_;
  RequestPacer pacer_;
  SubscribeLedger ledger_;
  std::vector<Refusal> refusals_;      // reused; filled on acks (cold)
  std::vector<std::uint8_t> resub_;    // per market: a resubscription is due
  std::vector<std::uint8_t> refused_;  // per market: depthUpdate refused, never asked again
  OxfunCounters c_;
  std::int64_t connected_ns_ = 0;
  std::int64_t last_rx_ns_ = 0;
  std::int64_t last_ping_ns_ = 0;
  std::int64_t login_retry_at_ns_ = 0;  // a refused login is retried (0: none)
  int missed_pongs_ = 0;
  bool pong_pending_ = false;
  bool connected_ = false;
  bool started_ = false;  // greeting seen (or timed out): requests may go
  bool authed_ = false;
  bool resub_due_ = false;
};

}  // namespace wirebook::feeds::oxfun
