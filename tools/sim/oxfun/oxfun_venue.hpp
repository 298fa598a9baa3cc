#pragma once
// OX.FUN v2 WebSocket (PROTOCOLS.md §4, oxfun-ws-position.txt).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

// The module's options (module.cpp declares their keys, defaults and rules).
struct OxfunOptions {
  std::string api_key;
  std::string api_secret;
  bool greeting = true;                  // the connect-time frame with a nonce
  int idle_close_ms = 0;                 // close a silent connection without depth channels
  int depth_ms = 0;                      // full `depth` push period
  double late_snapshot = 0;              // share of partials sent after the market's next diff
  std::uint32_t seq_step_max = 1;        // seqNum advances by 1..this per diff (> 1: jumps)
  int position_ms = 0;                   // position script step period
  std::uint32_t max_requests_per_s = 0;  // > 0: more in any second is refused (20007)
  std::uint32_t ignore_pings = 0;        // fault: the first K text pings get no pong
  int ticker_ms = 1000;                  // ticker:<market> push period (0: never)
};

[[nodiscard]] std::unique_ptr<Venue> make_oxfun_venue(const VenueModule& module, VenueOptions opts,
                                                      OxfunOptions oxfun);

// The reference values of one `ticker:<market>` push (docs.ox.fun "Ticker"),
// as the exact decimal strings sent.
struct OxfunTicker {
  std::string mark_price;     // markPrice
  std::string index_price;    // indexPrice
  std::string open_interest;  // openInterest (contracts)
  std::int64_t ts_ms = 0;     // timestamp
  std::uint64_t push = 0;     // the market's push number, 1, 2, ...
};

// The values of push `n` (>= 1) of market `s`, a pure function of both
// (ts_ms left 0): marks walk a few ticks around the start price, the index
// trails the mark by up to two ticks, open interest grows by 3 lots a push.
[[nodiscard]] OxfunTicker oxfun_ticker_values(const SymbolSpec& s, std::uint64_t n);

// The last ticker an OX.FUN venue sent for symbol index `sym` (to at least
// one subscriber); nullopt when none was sent or `venue` is not OX.FUN.
// Safe from any thread while the venue runs.
[[nodiscard]] std::optional<OxfunTicker> oxfun_last_ticker(const Venue& venue, std::size_t sym);

// Base64(HMAC-SHA256(secret, timestamp + "GET/auth/self/verify")): the login
// signature (§4.2), computed independently of the feed's code.
[[nodiscard]] std::string oxfun_signature(std::string_view secret, std::string_view timestamp);

// One step of the seeded position script: the instrument's position after it.
struct PositionStep {
  std::size_t symbol = 0;
  std::int64_t quantity = 0;     // signed, at the symbol's qty_exp
  std::int64_t entry_price = 0;  // at the symbol's px_exp (0 when flat)
};

// The position script for `symbols` from `seed`: per instrument a long open,
// an increase, a flip to short and a close to zero, interleaved across
// instruments. The same seed gives the same script.
[[nodiscard]] std::vector<PositionStep> oxfun_position_script(
    std::uint64_t seed, const std::vector<SymbolSpec>& symbols);

}  // namespace wirebook::sim
