#pragma once
// OCX book streams over Server-Sent Events (PROTOCOLS.md §5, DESIGN §5).
//
// One stream per market: `GET <path>?marketId=M&depth=D&intervalMs=I`, held
// by the SSE session (sse_session.hpp), stream k carrying book k. Each stream
// starts with `event: snapshot` (the full book: it resets ours), then
// `update`/`delta` events (levels to set; size "0" removes). The chain is the
// envelope's eventSeq, +1 per event of a stream: equal or lower is a
// duplicate (dropped, counted stale), anything else a break. The docs say "if
// you detect a gap, reconnect and re-snapshot" and never to resume mid-stream,
// so the resync action of a market is a reconnect of that market's stream
// only (request_snapshot marks it; the session restarts it when the event or
// timer call returns). A malformed event does the same. A numeric SSE `id:`
// must equal eventSeq (either may carry the sequence, §5).
//
// `event: error` {code, message, retryable} is logged through
// VenueBooks::venue_error; a retryable one reconnects the stream with the
// session's backoff, a non-retryable one leaves that market DISCONNECTED for
// good (stream_enabled false) with the venue's words as the reason.
//
// Heartbeats are `:` comments (every ~15 s); the session fails a stream
// silent for 2 x heartbeat_s (keepalive_idle_ns) by itself.
//
// Private (OcxOptions::api_key set): one more stream after the markets',
// `GET /perps/stream/user` with the key in the `x-api-key` header (never
// logged: the session logs targets, not headers). Its `position` events go
// to the shared-memory positions section (VenueBooks::position, any market),
// its `fill` events to the ring as trade events of a subscribed market (side
// = our side: buy -> bid); a fill in a market we do not subscribe to is
// counted only. Its eventSeq chain (+1 per event) is checked too: a gap
// reconnects the user stream, whose fresh start re-sends the positions. An
// HTTP 401/403 on it is logged as a venue error naming the key and leaves
// only the user stream down; the books are not touched.
//
// REST drift check (rest_check.hpp; rest_check_interval_ns > 0 and a REST
// outbox): every interval each LIVE market's top `rest_check_depth` levels
// are compared with GET /perps/orderbook/{marketId}?depth=N. That book has no
// sequence, so it is compared only when the live book did not change between
// the GET and its reply (a moving book's REST book may be any moment of the
// round trip: inconclusive, counted, not a mismatch); a mismatch is checked
// again after rest_confirm_ns; two in a row resync the market as a gap does (its stream
// reconnects and re-snapshots), counted as a drift alarm (VenueCounters::
// drift_alarms, /metrics) and logged as a notice.
//
// Reference data (reference_interval_ns > 0 and a REST outbox): no OCX stream
// carries it, so every interval each market's GET /perps/market-stats?
// marketId=M (ocx-api.txt "Market stats") is polled on the same REST channel
// as the drift check, at most one outstanding per market, whatever the
// book's state. markPrice -> mark price; openInterestUsd -> open interest,
// in USD notional (not contracts: the slot's unit differs from venues that
// count contracts); funding1hPct -> funding rate, a percent, so published
// with funding_rate_exp_shift -2 (a fraction per hour). The reply carries no
// timestamp: the exchange time is our receive time of the reply. No index
// price and no next funding time are published (OCX documents neither).
//
// Threading: the venue thread only; the event path never allocates or throws.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "feeds/common/clock.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/common/outbox.hpp"
#include "feeds/common/rest_check.hpp"
#include "feeds/common/sequencer.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/ocx/parser.hpp"

namespace wirebook::feeds::ocx {

struct OcxOptions {
  std::string stream_path = "/perps/book-stream";
  std::uint32_t depth = 25;         // book-stream: default 25, max 100
  std::uint32_t interval_ms = 100;  // book-stream: 50..2000, default 100
  std::int64_t stale_after_ns = 60'000'000'000;
  std::int64_t snapshot_timeout_ns = 10'000'000'000;
  std::size_t max_levels_per_event = 20000;
  std::size_t max_event_bytes = 16U << 20U;
  std::string user_path = "/perps/stream/user";
  std::string api_key;                      // non-empty: the user stream (never logged)
  std::int64_t rest_check_interval_ns = 0;  // 0: no REST drift check
  std::int64_t rest_confirm_ns = 2'000'000'000;
  std::size_t rest_check_depth = 10;       // levels per side compared
  std::int64_t reference_interval_ns = 0;  // 0: no GET /perps/market-stats poll
};

// eventSeq + 1 per event of a stream; a repeat is stale, anything else a gap.
struct EventSeqChain {
  static Link link(const ChainHead& h, const ChainKeys& k) noexcept {
    if (!k.has_key) return Link::gap;
    if (k.key == h.last + 1) return Link::next;
    return k.key <= h.last ? Link::stale : Link::gap;
  }
};

// Counters beyond VenueCounters (venue thread writes; read them when idle).
struct OcxCounters {
  std::uint64_t events = 0;
  std::uint64_t heartbeats = 0;        // `:` comments
  std::uint64_t stream_restarts = 0;   // streams reconnected to resync a market
  std::uint64_t retryable_errors = 0;  // `event: error` with retryable true
  std::uint64_t fatal_errors = 0;      // ... false: the market stays down
  std::uint64_t id_mismatches = 0;     // a numeric id: that is not the eventSeq
  std::uint64_t market_mismatches = 0;
  std::uint64_t other_events = 0;
  // The user stream.
  std::uint64_t user_events = 0;
  std::uint64_t position_updates = 0;    // positions handed to the positions section
  std::uint64_t positions_rejected = 0;  // ... that it refused (bad number, full)
  std::uint64_t fills = 0;               // fills written to the ring
  std::uint64_t fills_unlisted = 0;      // fills in markets we do not subscribe to
  std::uint64_t user_malformed = 0;
  std::uint64_t user_gaps = 0;      // eventSeq breaks: the user stream reconnected
  std::uint64_t user_refusals = 0;  // HTTP 401/403: the key was refused
  // The REST drift check.
  std::uint64_t rest_checks = 0;        // replies compared
  std::uint64_t rest_mismatches = 0;    // ... whose top levels differed
  std::uint64_t rest_inconclusive = 0;  // replies not compared: the book moved meanwhile
  std::uint64_t rest_failures = 0;      // not queued, failed or unreadable replies
  std::uint64_t drift_alarms = 0;       // two mismatches in a row: the market resynced
  // The market-stats poll (reference data).
  std::uint64_t stats_requests = 0;   // GETs queued
  std::uint64_t stats_published = 0;  // replies published as reference data
  std::uint64_t stats_failures = 0;   // not queued, failed, unreadable or refused replies
};

class OcxFeed final : public SnapshotSource {
 public:
  // `rest` may be null (no drift check).
  OcxFeed(VenueBooks& books, OcxOptions options, RestOutbox* rest = nullptr);

  // The stream targets, book k on stream k (SSE session, FrameHandler::stream_targets).
  [[nodiscard]] std::vector<std::string> stream_targets() const;
  void on_stream_open(std::size_t stream, std::int64_t now_mono_ns) noexcept;
  void on_stream_close(std::size_t stream, std::int64_t now_mono_ns) noexcept;
  FeedAction on_event(std::size_t stream, const SseEvent& event, std::int64_t recv_realtime_ns,
                      std::int64_t recv_mono_ns) noexcept;
  void on_comment(std::size_t stream) noexcept;
  // Restarts a stream whose market asked for a resync meanwhile.
  FeedAction on_stream_timer(std::size_t stream, std::int64_t now_mono_ns) noexcept;
  FeedAction on_timer(std::int64_t now_mono_ns) noexcept;
  // The sequencer's and the parser's state (an idle venue thread's
  // warming: warm_feed).
  void warm() const noexcept {
    seq_.warm();
    parser_.warm();
  }
  [[nodiscard]] bool stream_enabled(std::size_t stream) const noexcept {
    if (is_user(stream)) return !user_down_;
    return stream < down_.size() && down_[stream] == 0;
  }
  // The API key header, on the user stream only.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> stream_headers(
      std::size_t stream) const;
  void on_stream_refused(std::size_t stream, unsigned http_status) noexcept;

  // A REST reply: the drift check's GET /perps/orderbook (tag: the market)
  // or a market-stats GET (tag: kTagStats | the market).
  void on_rest_reply(std::uint64_t tag, int http_status, const char* data, std::size_t len,
                     std::size_t capacity, std::int64_t recv_realtime_ns,
                     std::int64_t recv_mono_ns) noexcept;

  // The resync action: reconnect market i's stream (a fresh snapshot follows).
  void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns, int attempt) override;

  [[nodiscard]] const OcxCounters& ocx_counters() const noexcept { return c_; }

  static constexpr std::uint64_t kTagStats = std::uint64_t{1} << 32U;

 private:
  void on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
               std::int64_t mono_ns) noexcept;
  void on_error(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept;
  void on_malformed(std::uint32_t i, std::int64_t mono_ns) noexcept;
  [[nodiscard]] bool id_matches(std::string_view id, std::int64_t seq) noexcept;
  [[nodiscard]] FeedAction take_restart(std::uint32_t i) noexcept;
  [[nodiscard]] bool is_user(std::size_t stream) const noexcept {
    return !opt_.api_key.empty() && stream == books_.size();
  }
  FeedAction on_user_event(const SseEvent& event, std::int64_t recv_ns) noexcept;
  void on_user_message(const UserMessage& m, std::int64_t recv_ns) noexcept;
  void request_rest_checks(std::int64_t now_mono_ns) noexcept;
  void on_drift(std::uint32_t i, std::int64_t mono_ns) noexcept;
  void request_stats(std::int64_t now_mono_ns) noexcept;
  void on_stats_reply(std::uint32_t i, int http_status, const char* data, std::size_t len,
                      std::size_t capacity, std::int64_t recv_realtime_ns) noexcept;

  VenueBooks& books_;
  OcxOptions opt_;
  RestOutbox* rest_;
  Parser parser_;
  Sequencer seq_;
  RestBookCheck check_;
  std::vector<std::string> rest_targets_;   // per market: its GET /perps/orderbook target
  std::vector<std::string> stats_targets_;  // per market: its GET /perps/market-stats target
  std::vector<std::int64_t> stats_due_ns_;  // per market: the next poll (mono)
  std::vector<std::uint8_t> stats_out_;     // per market: a poll is outstanding
  std::vector<std::uint8_t> restart_;       // per market: reconnect its stream
  std::vector<std::uint8_t> down_;          // per market: a non-retryable error, never reconnected
  std::vector<std::uint8_t> open_;          // per market: its stream is connected
  std::vector<std::uint8_t> ever_open_;     // per market: its stream was open before
  bool user_down_ = false;                  // the user stream's key was refused
  std::int64_t user_seq_ = -1;              // the user stream's last eventSeq (-1: none yet)
  OcxCounters c_;
};

// OcxFeed behind the session's FrameHandler (the multi-stream calls); owns
// the REST worker of the drift check when there is one (its replies are
// handed over on the timer tick, off the worker thread).
class OcxHandler final : public FrameHandler, public RestReplies {
 public:
  OcxHandler(VenueBooks& books, OcxOptions options, std::unique_ptr<RestChannel> rest = nullptr)
      : rest_(std::move(rest)), feed_(books, std::move(options), rest_.get()) {}
  void on_rest_reply(std::uint64_t tag, int status, const char* data, std::size_t len,
                     std::size_t cap, std::int64_t rt, std::int64_t mono) noexcept override {
    feed_.on_rest_reply(tag, status, data, len, cap, rt, mono);
  }
  void on_open(std::int64_t) override {}
  void on_close(std::int64_t) override {}
  bool on_frame(const char*, std::size_t, std::size_t, std::int64_t,
                std::int64_t) noexcept override {
    return false;  // every event arrives through on_stream_event
  }
  bool on_timer(std::int64_t now) noexcept override {
    if (rest_) rest_->poll(*this, realtime_ns(), now);
    return feed_.on_timer(now) == FeedAction::reconnect;
  }
  void warm() const noexcept override { warm_feed(feed_); }
  [[nodiscard]] std::vector<std::string> stream_targets() const override {
    return feed_.stream_targets();
  }
  [[nodiscard]] bool stream_enabled(std::size_t stream) const noexcept override {
    return feed_.stream_enabled(stream);
  }
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> stream_headers(
      std::size_t stream) const override {
    return feed_.stream_headers(stream);
  }
  void on_stream_refused(std::size_t stream, unsigned http_status) noexcept override {
    feed_.on_stream_refused(stream, http_status);
  }
  void on_stream_open(std::size_t stream, std::int64_t now) override {
    feed_.on_stream_open(stream, now);
  }
  void on_stream_close(std::size_t stream, std::int64_t now) override {
    feed_.on_stream_close(stream, now);
  }
  bool on_stream_event(std::size_t stream, const SseEvent& e, std::int64_t rt,
                       std::int64_t mono) noexcept override {
    return feed_.on_event(stream, e, rt, mono) == FeedAction::reconnect;
  }
  void on_stream_comment(std::size_t stream, std::string_view, std::int64_t) noexcept override {
    feed_.on_comment(stream);
  }
  bool on_stream_timer(std::size_t stream, std::int64_t now) noexcept override {
    return feed_.on_stream_timer(stream, now) == FeedAction::reconnect;
  }
  [[nodiscard]] const OcxFeed& feed() const noexcept { return feed_; }

 private:
  std::unique_ptr<RestChannel> rest_;  // before feed_: the feed holds a pointer to it
  OcxFeed feed_;
};

}  // namespace wirebook::feeds::ocx
