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
// Threading: the venue thread only; the event path never allocates or throws.
#include <cstdint>
#include <string>
#include <vector>

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
};

enum class FeedAction : std::uint8_t { none, reconnect };

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
};

class OcxFeed final : public SnapshotSource {
 public:
  OcxFeed(VenueBooks& books, OcxOptions options);

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
  [[nodiscard]] bool stream_enabled(std::size_t stream) const noexcept {
    return stream < down_.size() && down_[stream] == 0;
  }

  // The resync action: reconnect market i's stream (a fresh snapshot follows).
  void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns, int attempt) override;

  [[nodiscard]] const OcxCounters& ocx_counters() const noexcept { return c_; }

 private:
  void on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
               std::int64_t mono_ns) noexcept;
  void on_error(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept;
  void on_malformed(std::uint32_t i, std::int64_t mono_ns) noexcept;
  [[nodiscard]] bool id_matches(std::string_view id, std::int64_t seq) noexcept;
  [[nodiscard]] FeedAction take_restart(std::uint32_t i) noexcept;

  VenueBooks& books_;
  OcxOptions opt_;
  Parser parser_;
  Sequencer seq_;
  std::vector<std::uint8_t> restart_;    // per market: reconnect its stream
  std::vector<std::uint8_t> down_;       // per market: a non-retryable error, never reconnected
  std::vector<std::uint8_t> open_;       // per market: its stream is connected
  std::vector<std::uint8_t> ever_open_;  // per market: its stream was open before
  OcxCounters c_;
};

// OcxFeed behind the session's FrameHandler (the multi-stream calls).
class OcxHandler final : public FrameHandler {
 public:
  OcxHandler(VenueBooks& books, OcxOptions options) : feed_(books, std::move(options)) {}
  void on_open(std::int64_t) override {}
  void on_close(std::int64_t) override {}
  bool on_frame(const char*, std::size_t, std::size_t, std::int64_t,
                std::int64_t) noexcept override {
    return false;  // every event arrives through on_stream_event
  }
  bool on_timer(std::int64_t now) noexcept override {
    return feed_.on_timer(now) == FeedAction::reconnect;
  }
  [[nodiscard]] std::vector<std::string> stream_targets() const override {
    return feed_.stream_targets();
  }
  [[nodiscard]] bool stream_enabled(std::size_t stream) const noexcept override {
    return feed_.stream_enabled(stream);
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
  OcxFeed feed_;
};

}  // namespace wirebook::feeds::ocx
