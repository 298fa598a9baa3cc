#pragma once
// O2 DEX session rules and chain (DESIGN.md §5, PROTOCOLS.md §3.1, schema.hpp).
//
// Per market (integer market_id): subscribe `order_book` (plus trades,
// ticker, mark_price, funding when configured). mark_price and funding are
// published as reference data (VenueBooks::reference: mark price, funding
// rate) into the market's reference slot. The snapshot is the frame
// typed "snapshot" (or, untyped, the first book frame after the subscribe
// that has no prev_seq). The sequencer checks the chain with SeqChain below:
// prev_seq == last seq (or seq == last + 1 when only seq is sent); a frame
// whose seq is not newer is dropped as stale (duplicates); anything else is
// a break that puts ONLY that market into RESYNCING, and this class's resync
// action resubscribes it (unsubscribe + subscribe, a fresh snapshot). If no
// snapshot arrives in time, the subscribe is repeated, and from the third ask
// with REST configured the GET /api/v1/markets/{id}/orderbook snapshot is
// used when its seq can be aligned with the deltas buffered meanwhile.
//
// REST drift check (rest_check.hpp; with REST configured and
// rest_check_interval_ns > 0): every interval each LIVE market's top
// `rest_check_depth` levels are compared with GET /api/v1/markets/{id}/
// orderbook. A REST book with a seq is compared only when that seq is the
// live book's last one (an older seq is the REST book's own lag, a newer one
// deltas still on their way: inconclusive, counted); one without a seq (or a
// live book without one) only when the live book did not change during the
// round trip. Two conclusive mismatches in a row resync the market (drift
// alarm); this is what catches a corrupted level on a book whose chain is
// intact, and the only gap detection of unsequenced markets.
//
// Liveness: WebSocket pings and the idle timeout live in the session
// (WsOptions::ws_idle_timeout_ns); this class also asks for a reconnect when
// nothing at all arrived for `idle_timeout_ns`, and marks a LIVE market STALE
// after `stale_after_ns` without book data.
//
// Transport-independent like WooFeed/PulseFeed. Threading: the venue thread
// only; hot methods never allocate or throw.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "feeds/common/clock.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/common/outbox.hpp"
#include "feeds/common/rest_check.hpp"
#include "feeds/common/rest_feed_handler.hpp"
#include "feeds/common/sequencer.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/o2/parser.hpp"

namespace wirebook::feeds::o2 {

struct O2Options {
  std::vector<std::int64_t> market_ids;  // one per instrument, in books order
  bool trades = false;
  bool ticker = false;
  bool mark_price = false;
  bool funding = false;
  std::size_t max_levels_per_frame = 20000;
  std::size_t max_frame_bytes = 16U << 20U;
  std::int64_t stale_after_ns = 60'000'000'000;          // no book data for a LIVE market: STALE
  std::int64_t idle_timeout_ns = 90'000'000'000;         // nothing at all received: reconnect
  std::int64_t snapshot_timeout_ns = 10'000'000'000;     // no snapshot after (re)subscribe: again
  std::int64_t rest_check_interval_ns = 60'000'000'000;  // the drift check, with REST (0: off)
  std::int64_t rest_confirm_ns = 2'000'000'000;          // recheck a mismatch after this
  std::size_t rest_check_depth = 10;                     // levels per side compared
  bool fast_path = true;  // the book frame's fast path (fast_book.hpp); off only to compare
};

// The O2 chain rule (schema.hpp): an unsequenced book checks nothing (the REST
// cross-check watches it); a seq not newer than the last is stale; prev_seq
// must equal the last seq; a bare seq must be last + 1 (kSeqOnlyIsContiguous);
// a delta without any sequence on a sequenced book is a break.
struct SeqChain {
  static Link link(const ChainHead& h, const ChainKeys& k) noexcept;
};

// Counters beyond VenueCounters (relaxed; venue thread writes).
struct O2Counters {
  std::uint64_t trades = 0;
  std::uint64_t tickers = 0;
  std::uint64_t mark_prices = 0;  // mark_price frames of a configured market
  std::uint64_t fundings = 0;     // funding frames of a configured market
  std::uint64_t acks = 0;
  std::uint64_t rest_checks = 0;        // REST cross-check replies compared
  std::uint64_t rest_mismatches = 0;    // ... whose top differed
  std::uint64_t rest_inconclusive = 0;  // ... not compared: another point of the chain
  std::uint64_t rest_snapshots = 0;     // REST snapshots applied
  std::uint64_t rest_failures = 0;      // REST errors, unparseable or unusable replies
  std::uint64_t unknown_market = 0;     // frames for a market we did not subscribe
};

class O2Feed final : public SnapshotSource {
 public:
  // `rest` may be null (no REST fallback and no cross-check).
  O2Feed(VenueBooks& books, Outbox& out, O2Options options, RestOutbox* rest = nullptr);

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
  // A REST reply for `tag` (http_status 0: transport failure). Same buffer
  // rule as on_frame.
  void on_rest_reply(std::uint64_t tag, int http_status, const char* data, std::size_t len,
                     std::size_t capacity, std::int64_t recv_realtime_ns,
                     std::int64_t recv_mono_ns) noexcept;

  [[nodiscard]] const O2Counters& o2_counters() const noexcept { return c_; }
  [[nodiscard]] int find_market(std::int64_t market_id) const noexcept;

  static constexpr std::uint64_t kTagCheck = 1;
  static constexpr std::uint64_t kTagSnapshot = 2;

  // The resync action: unsubscribe and subscribe order_book; from the third
  // ask on, also fetch the REST book.
  void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns, int attempt) override;

 private:
  void send_channel(const char* fmt, std::string_view channel, std::uint32_t i);
  void on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
               std::int64_t mono_ns) noexcept;
  void on_events(std::uint32_t i, const Message& m, std::int64_t recv_ns) noexcept;
  void went_live(std::uint32_t i, std::int64_t mono_ns) noexcept;
  void apply_rest_snapshot(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                           std::int64_t mono_ns) noexcept;
  void compare_rest_top(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept;
  [[nodiscard]] bool rest_aligned(std::uint32_t i, const Message& m) const noexcept;
  void request_rest_checks(std::int64_t now_mono_ns) noexcept;
  bool request_rest(std::uint32_t i, std::uint64_t purpose) noexcept;

  VenueBooks& books_;
  Outbox& out_;
  O2Options opt_;
  RestOutbox* rest_;
  Parser parser_;
  Sequencer seq_;
  RestBookCheck check_;
  std::vector<std::uint8_t> rest_pending_;  // per market: a REST GET is outstanding
  O2Counters c_;
  std::int64_t last_rx_ns_ = 0;
  bool connected_ = false;
};

// O2Feed behind the session's FrameHandler; owns the REST worker when a REST
// base is configured (its replies are handed over on the timer tick).
using O2Handler = RestFeedHandler<O2Feed, O2Options, false>;

}  // namespace wirebook::feeds::o2
