#pragma once
// WOO X v2 session rules and the prevTs chain (PROTOCOLS.md §1.3-1.5, DESIGN §5).
//
// Per symbol: subscribe `{sym}@orderbookupdate` (plus @trade/@bbo when
// configured), request the book with the WS `request` event, buffer deltas
// until the reply, align on the reply's data.ts (apply from the delta whose
// prevTs equals it, drop older ones), then require every delta's prevTs to
// equal the previous delta's envelope ts. Any mismatch puts only that symbol
// into RESYNCING at once and re-requests its snapshot; the connection and the
// other symbols are untouched.
//
// Transport-independent: frames come in through on_frame(), control frames go
// out through an Outbox, time comes in through on_timer(). Threading: the venue
// thread only.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "feeds/common/outbox.hpp"
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

class WooFeed {
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

 private:
  enum class Phase : std::uint8_t { idle, awaiting_snapshot, live };
  struct SymbolState {
    Phase phase = Phase::idle;
    std::int64_t last_ts = 0;          // chain head: ts of the last applied delta (or snapshot)
    std::int64_t request_sent_ns = 0;  // when the pending request went out
    std::int64_t retry_at_ns = 0;      // a deferred request (0: none)
    std::int64_t last_data_ns = 0;
    int retries = 0;
    bool errored = false;  // the venue refused a subscription
  };

  void request_snapshot(std::uint32_t i, std::int64_t now_mono_ns);
  void start_resync(std::uint32_t i, std::int64_t expected, std::int64_t received,
                    std::int64_t now_mono_ns) noexcept;
  void on_update(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                 std::int64_t mono_ns) noexcept;
  void on_reply(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                std::int64_t mono_ns) noexcept;
  void on_error(const Message& m, std::int64_t mono_ns) noexcept;
  [[nodiscard]] bool buffer_update(std::uint32_t i, const Message& m) noexcept;
  void send(const char* fmt, const std::string& a, const std::string& b);

  VenueBooks& books_;
  Outbox& out_;
  WooOptions opt_;
  Parser parser_;
  std::vector<SymbolState> state_;
  std::int64_t last_rx_ns_ = 0;
  std::int64_t last_ping_ns_ = 0;
  bool connected_ = false;
};

}  // namespace wirebook::feeds::woo
