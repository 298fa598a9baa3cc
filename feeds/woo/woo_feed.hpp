#pragma once
// WOO X v2 session rules and the prevTs chain (PROTOCOLS.md §1.3-1.5, DESIGN §5).
//
// Per symbol: subscribe `{sym}@orderbookupdate` (plus @trade/@bbo when
// configured) and request the book with the WS `request` event. The sequencer
// (feeds/common/sequencer.hpp) does the rest with the chain rule prevTs ==
// previous ts: buffer deltas until the reply, align on its data.ts, and on any
// mismatch put only that symbol into RESYNCING and request it again (this
// class's resync action); the connection and the other symbols are untouched.
//
// Transport-independent: frames come in through on_frame(), control frames go
// out through an Outbox, time comes in through on_timer(). Threading: the venue
// thread only.
#include <cstdint>
#include <string>
#include <vector>

#include "feeds/common/outbox.hpp"
#include "feeds/common/sequencer.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/woo/parser.hpp"

namespace wirebook::feeds::woo {

struct WooOptions {
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
};

// What the transport should do after a frame or timer tick.
enum class FeedAction : std::uint8_t { none, reconnect };

class WooFeed final : public SnapshotSource {
 public:
  WooFeed(VenueBooks& books, Outbox& out, WooOptions options);

  // The socket is open: subscribe everything, request every snapshot.
  void on_connected(std::int64_t now_mono_ns);
  // The socket is gone: every book DISCONNECTED until a fresh snapshot.
  void on_disconnected(std::int64_t now_mono_ns) noexcept;
  // One complete text frame; `capacity` >= len + SIMDJSON_PADDING.
  FeedAction on_frame(const char* data, std::size_t len, std::size_t capacity,
                      std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept;
  // Periodic tick (e.g. every 100 ms): pings, snapshot retries, staleness.
  FeedAction on_timer(std::int64_t now_mono_ns) noexcept;

  [[nodiscard]] VenueCounters& counters() noexcept { return books_.counters(); }

  // The resync action: the WS `request` event for the symbol's book.
  void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns, int attempt) override;

 private:
  void on_book_message(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                       std::int64_t mono_ns) noexcept;
  void on_error(const Message& m, std::int64_t mono_ns) noexcept;
  void send(const char* fmt, const std::string& a, const std::string& b);

  VenueBooks& books_;
  Outbox& out_;
  WooOptions opt_;
  Parser parser_;
  Sequencer seq_;
  std::int64_t last_rx_ns_ = 0;
  std::int64_t last_ping_ns_ = 0;
  bool connected_ = false;
};

}  // namespace wirebook::feeds::woo
