#pragma once
// WOO X session rules and the prevTs chain, v2 and v3 (PROTOCOLS.md §1.3-1.5,
// §1.9, DESIGN §5).
//
// v2, per symbol: subscribe `{sym}@orderbookupdate` (plus @trade/@bbo when
// configured) and request the book with the WS `request` event. The sequencer
// (feeds/common/sequencer.hpp) does the rest with the chain rule prevTs ==
// previous ts: buffer deltas until the reply, align on its data.ts, and on any
// mismatch put only that symbol into RESYNCING and request it again (this
// class's resync action); the connection and the other symbols are untouched.
//
// v3: SUBSCRIBE `orderbookupdate@{sym}@{depth}` (plus bbo@{sym}) in batches
// of at most 10 topics, each ack's `data` compared with what was asked (a
// missing topic is a refusal: logged, that book never trusted); the snapshot
// is the REST book (GET /v3/public/orderbook, through the RestOutbox), its
// `timestamp` the chain key, a delta's key its data.ts; `{"cmd":"PING"}` every
// ping interval since the server sends none; before the venue's 24 h
// connection cap a planned reconnect (books flagged, then rebuilt from fresh
// snapshots).
//
// v3 REST drift check (rest_check.hpp; rest_check_interval_ns > 0): every
// interval each LIVE book's top `rest_check_depth` levels are compared with
// GET /v3/public/orderbook?maxLevel=<that depth>. The REST book's `timestamp`
// is its place in the prevTs chain, so it is compared only when it equals
// the live book's last data.ts. An older timestamp is the REST book's own
// lag (PROTOCOLS §1.5.4: up to 46 s on BTC), a newer one deltas still on
// their way: either is inconclusive (counted rest_behind / rest_ahead), never
// a mismatch. Two conclusive mismatches in a row (the second after
// rest_confirm_ns) resync the book from a fresh REST book like a gap, and
// raise the drift alarm (VenueCounters::drift_alarms, a logged notice). v2
// has no REST book: no check.
//
// Reference data (reference = true; refdata_spec §1, §2): mark price,
// index price, estimated funding rate (v3 also the next funding time) and
// open interest, published into each book's reference slot
// (VenueBooks::reference). v2 subscribes {sym}@markprice, @estfundingrate
// and @openinterest for every derivative (non-SPOT_) symbol and
// {sym}@indexprice for every symbol, one frame each with ids m<i>, f<i>,
// o<i>, x<i>; the exchange time is the envelope ts. v3 subscribes
// markprice@, estfundingrate@ and openinterest@ for every derivative symbol
// and indexprice@SPOT_X_Y once per underlying (the venue keys the index by
// the spot symbol: indexprice@PERP_BTC_USDT is refused), after the book
// topics in the same batches; the exchange time is data.ts. A v3 index goes
// to every configured book on that underlying (SPOT_X_Y and PERP_X_Y). A
// refused reference topic is logged and counted, never touches a book.
//
// Transport-independent: frames come in through on_frame(), control frames go
// out through an Outbox, time comes in through on_timer(). Threading: the venue
// thread only.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/common/clock.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/common/outbox.hpp"
#include "feeds/common/rest_check.hpp"
#include "feeds/common/rest_feed_handler.hpp"
#include "feeds/common/sequencer.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/woo/parser.hpp"

namespace wirebook::feeds::woo {

// v3 limits probed on the live venue (PROTOCOLS §1.9): 11 topics in one
// request are refused, 100 topics per connection.
inline constexpr std::size_t kV3TopicsPerRequest = 10;
inline constexpr std::size_t kV3TopicsPerConnection = 100;

struct WooOptions {
  Protocol protocol = Protocol::v2;
  int depth = 50;  // v3 orderbookupdate depth (50 | 200 | 500), also the REST maxLevel
  // v3: reconnect on our own this long after connecting, before the venue's
  // 24 h cap cuts the socket (0: never).
  std::int64_t max_connection_age_ns = 0;
  bool trades = false;
  bool bbo = false;
  std::size_t max_levels_per_frame = 2000;
  std::size_t max_frame_bytes = 16U << 20U;
  std::int64_t ping_interval_ns = 10'000'000'000;      // our {"event":"ping"} cadence
  std::int64_t dead_after_ns = 30'000'000'000;         // nothing at all received: reconnect
  std::int64_t stale_after_ns = 60'000'000'000;        // no data for a LIVE symbol: STALE
  std::int64_t snapshot_timeout_ns = 5'000'000'000;    // request reply not seen: ask again
  std::int64_t snapshot_retry_pause_ns = 200'000'000;  // reply behind the buffer: pause
  int snapshot_max_retries = 10;                       // then back off to the timeout
  // v3: a REST book is held until the book's first delta on this connection
  // shows whether it is behind the socket; a book that stays quiet this long
  // gets it unconfirmed (its next delta still checks the chain).
  std::int64_t rest_confirm_wait_ns = 5'000'000'000;
  std::int64_t rest_check_interval_ns = 0;  // v3 REST drift check; 0: off
  std::int64_t rest_confirm_ns = 2'000'000'000;
  std::size_t rest_check_depth = 10;  // levels per side compared (the check's maxLevel)
  bool reference = false;             // subscribe and publish the reference channels
  bool fast_path = true;  // the delta's fast path (fast_update.hpp); off only to compare
};

// The reference data's counters (venue thread writes; read them when idle).
struct WooReferenceCounters {
  std::uint64_t published = 0;       // updates published into a reference slot
  std::uint64_t rejected = 0;        // not published: a bad decimal (also counted malformed)
  std::uint64_t unmatched = 0;       // for a symbol without a configured book: dropped
  std::uint64_t refused_topics = 0;  // reference topics the venue did not take
};

// WOO symbols are TYPE_BASE_QUOTE (SPOT_BTC_USDT, PERP_BTC_USDT). Mark,
// funding and open interest exist for derivatives only (not SPOT_).
[[nodiscard]] bool is_spot_symbol(std::string_view symbol) noexcept;
// The v3 index key of a symbol: the spot symbol of its underlying
// (PERP_BTC_USDT -> SPOT_BTC_USDT, SPOT_BTC_USDT itself); "" when the symbol
// is not TYPE_BASE_QUOTE.
[[nodiscard]] std::string index_symbol(std::string_view symbol);
// The v3 reference topics for these symbols, in subscription order (the
// topic budget counts them: module.cpp).
[[nodiscard]] std::vector<std::string> v3_reference_topics(const std::vector<std::string>& symbols);

// The v3 REST drift check's counters (venue thread writes; read them when idle).
struct WooCheckCounters {
  std::uint64_t rest_checks = 0;      // REST books compared with the live book
  std::uint64_t rest_mismatches = 0;  // ... whose top levels differed
  std::uint64_t rest_behind = 0;      // not compared: the REST book older than the live one
  std::uint64_t rest_ahead = 0;       // not compared: the REST book newer than the live one
  std::uint64_t rest_failures = 0;    // not queued, failed or unreadable replies
  std::uint64_t drift_alarms = 0;     // two mismatches in a row: the book resynced
};

class WooFeed final : public SnapshotSource {
 public:
  // `rest` carries the v3 snapshot GETs (may be null for v2).
  WooFeed(VenueBooks& books, Outbox& out, WooOptions options, RestOutbox* rest = nullptr);

  // The socket is open: subscribe everything, request every snapshot (v3:
  // each once its SUBSCRIBE ack lists the book's topic).
  void on_connected(std::int64_t now_mono_ns);
  // The socket is gone: every book DISCONNECTED until a fresh snapshot.
  void on_disconnected(std::int64_t now_mono_ns) noexcept;
  // One complete text frame; `capacity` >= len + SIMDJSON_PADDING.
  FeedAction on_frame(const char* data, std::size_t len, std::size_t capacity,
                      std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept;
  // Periodic tick (e.g. every 100 ms): pings, snapshot retries, staleness.
  FeedAction on_timer(std::int64_t now_mono_ns) noexcept;
  // The sequencer's and the parser's state (an idle venue thread's
  // warming: warm_feed).
  void warm() const noexcept {
    seq_.warm();
    parser_.warm();
  }

  [[nodiscard]] VenueCounters& counters() noexcept { return books_.counters(); }

  // The resync action: v2 the WS `request` event, v3 the REST book GET.
  void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns, int attempt) override;
  // A reply to a v3 REST book GET (tag: the book index).
  void on_rest_reply(std::uint64_t tag, int http_status, const char* data, std::size_t len,
                     std::size_t capacity, std::int64_t recv_realtime_ns,
                     std::int64_t recv_mono_ns) noexcept;

  [[nodiscard]] Phase phase(std::uint32_t i) const noexcept { return seq_.phase(i); }
  // Planned reconnects before the connection cap (v3).
  [[nodiscard]] std::uint64_t planned_reconnects() const noexcept { return planned_reconnects_; }
  [[nodiscard]] const WooCheckCounters& check_counters() const noexcept { return check_c_; }
  [[nodiscard]] const WooReferenceCounters& reference_counters() const noexcept { return ref_c_; }

  // REST GET tags: the book index, with this bit for a drift check's GET.
  static constexpr std::uint64_t kTagCheck = 1ULL << 32U;

 private:
  void on_book_message(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                       std::int64_t mono_ns) noexcept;
  void on_error(const Message& m, std::int64_t mono_ns) noexcept;
  void on_reference(const Message& m, std::int64_t recv_ns) noexcept;
  void publish_reference(std::uint32_t i, const ReferenceText& t, std::int64_t exchange_ns,
                         std::int64_t recv_ns) noexcept;
  bool rest_book_ok(std::uint32_t i, const char* data, std::size_t len, std::size_t capacity,
                    std::int64_t recv_mono_ns, Message& m) noexcept;
  void apply_rest_book(std::uint32_t i, const Message& m, std::int64_t recv_realtime_ns,
                       std::int64_t recv_mono_ns) noexcept;
  void apply_held_book(std::uint32_t i, std::int64_t now_mono_ns) noexcept;
  void request_rest_checks(std::int64_t now_mono_ns) noexcept;
  void on_check_reply(std::uint32_t i, int http_status, const char* data, std::size_t len,
                      std::size_t capacity, std::int64_t recv_mono_ns) noexcept;
  void compare_rest_top(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept;
  void on_v3_ack(const Message& m, std::int64_t mono_ns) noexcept;
  void check_unanswered_batches(std::int64_t now_mono_ns) noexcept;
  void refuse_topic(const std::string& topic) noexcept;
  void refuse_book(std::uint32_t i) noexcept;
  void subscribe_v2(std::uint32_t i);
  void subscribe_v3();
  void send(const char* fmt, const std::string& a, const std::string& b);
  void send_pong() noexcept;
  void send_ping() noexcept;

  struct Topic {
    std::string name;
    std::uint32_t book;
    bool is_book;
    bool is_reference = false;
  };

  VenueBooks& books_;
  Outbox& out_;
  RestOutbox* rest_;
  WooOptions opt_;
  Parser parser_;
  Parser rest_parser_;  // v3 REST books (a held one is parsed between frames)
  Sequencer seq_;
  std::int64_t last_rx_ns_ = 0;
  std::int64_t last_ping_ns_ = 0;
  std::int64_t connected_at_ns_ = 0;
  std::uint64_t planned_reconnects_ = 0;
  std::vector<std::vector<Topic>> batches_;  // v3 SUBSCRIBE requests, by id "s<n>"
  std::vector<bool> batch_answered_;         // an ack or an error came for it
  // v3 books whose topic the venue refused on this connection: a REST book
  // already on its way must not make them LIVE (no deltas will follow).
  std::vector<bool> refused_;
  // v3, per book on this connection: a delta seen; a REST book held until one is.
  struct HeldBook {
    std::vector<char> body;  // with SIMDJSON_PADDING spare bytes
    std::size_t len = 0;
    std::int64_t recv_realtime_ns = 0;
    std::int64_t recv_mono_ns = 0;
  };
  std::vector<bool> saw_delta_;
  std::vector<HeldBook> held_;
  RestBookCheck check_;
  std::vector<std::uint8_t> live_at_tick_;  // per book: LIVE at the last drift-check tick
  WooCheckCounters check_c_;
  WooReferenceCounters ref_c_;
  std::vector<std::string> index_symbol_;  // v3, per book: its index key (index_symbol)
  bool connected_ = false;
};

// A v3 WooFeed with its REST worker (snapshots off the venue thread; replies
// are handed over on the timer tick and before each frame).
using WooV3Handler = RestFeedHandler<WooFeed, WooOptions, true>;

}  // namespace wirebook::feeds::woo
