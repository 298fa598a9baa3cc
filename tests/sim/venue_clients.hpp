#pragma once
// What the test clients share: each venue's client (tests/sim/<venue>/)
// follows its protocol the way the feed handler must, keeping reference books
// built only from what came over the wire.
#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ref_book.hpp"
#include "ws_client.hpp"

namespace wirebook::simtest {

struct ClientOptions {
  std::string url;
  std::string ca_file;
  std::vector<std::string> symbols;
  bool answer_pings = true;      // WOO: pong server pings; Pulse: answer test_request
  int heartbeat_interval_s = 0;  // Pulse: public/set_heartbeat when > 0
  bool woo_snapshots = false;    // WOO: also subscribe @orderbook and use its pushes
  bool pulse_100ms = true;       // Pulse: also keep books from book.X.100ms
  bool resync = true;            // re-sync a symbol on a gap (else just count)
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
};

struct ClientCounters {
  std::uint64_t frames = 0;
  std::uint64_t deltas = 0;  // valid deltas received
  std::uint64_t applied = 0;
  std::uint64_t stale = 0;          // ts/change_id not newer than the book (dup, late)
  std::uint64_t gaps = 0;           // chain breaks
  std::uint64_t bad_json = 0;       // unparseable frames
  std::uint64_t bad_types = 0;      // parseable, wrong value types
  std::uint64_t oversize = 0;       // frames > 1 MiB
  std::uint64_t snapshots = 0;      // request replies / Pulse snapshots
  std::uint64_t push_checks = 0;    // WOO @orderbook pushes equal to the book at the same ts
  std::uint64_t push_mismatch = 0;  // ... and not equal (must stay 0)
  std::uint64_t push_resyncs = 0;   // WOO @orderbook push ahead of the book: book replaced
  std::uint64_t pings = 0;          // server pings / test_requests seen
  std::uint64_t quotes = 0;
  std::uint64_t quote_mismatch = 0;  // quote/bbo differing from the book's top (must stay 0)
  std::uint64_t trades = 0;
  std::uint64_t acks = 0;
  std::uint64_t errors = 0;           // error replies
  std::int64_t max_delta_gap_ms = 0;  // largest ts step between consecutive deltas (stalls)
};

struct ClientResult {
  std::string connect_error;
  std::string end;  // "closed <code> <reason>", "error <msg>", "timeout"
  int close_code = 0;
  ClientCounters c;
  std::map<std::string, RefBook> books;      // WOO books / Pulse raw books
  std::map<std::string, RefBook> agg_books;  // Pulse .100ms books
};

// Wire helpers the venue clients share.
struct Change {
  bool bid;
  std::int64_t px;
  std::int64_t qty;
};
// Reads `[[p,q],...]` or `[[action,p,q],...]` at `pointer`, taking the exact
// number text (prices at `price_index`). False on any type problem.
bool read_levels(simdjson::ondemand::document& doc, std::string_view pointer, bool bid,
                 std::size_t price_index, std::vector<Change>& out);
bool top_equals(const RefBook& b, std::int64_t bid_px, std::int64_t bid_qty, std::int64_t ask_px,
                std::int64_t ask_qty);
// A number's exact text at a JSON pointer, scaled; -1 when absent or not a number.
std::int64_t raw_scaled(simdjson::ondemand::document& doc, std::string_view pointer);
void apply_changes(RefBook& b, const std::vector<Change>& cs);

// Hands every frame to `on_frame` until the connection ends or stays idle for
// `idle`; records how it ended in `r.end` and `r.close_code`.
template <class OnFrame>
void read_until_end(WsClient& ws, std::chrono::milliseconds idle, ClientResult& r,
                    OnFrame&& on_frame) {
  std::string msg;
  for (;;) {
    const ReadStatus st = ws.read(msg, idle);
    if (st == ReadStatus::ok) {
      on_frame(msg);
      continue;
    }
    if (st == ReadStatus::closed) {
      r.close_code = ws.close_code();
      r.end = "closed " + std::to_string(ws.close_code()) + " " + ws.close_reason();
    } else {
      r.end = st == ReadStatus::timeout ? "timeout" : "error " + ws.error_text();
    }
    return;
  }
}

// Compares client books with the truth of `venue`; returns "" or a description.
std::string compare_books(const std::map<std::string, RefBook>& books, const std::string& truth,
                          const std::string& venue);

}  // namespace wirebook::simtest
