#pragma once
// OCX perps book streams over Server-Sent Events (PROTOCOLS.md §5) and the
// REST markets and order book (ocx-api.txt), on one port.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

// The module's options (module.cpp declares their keys, defaults and rules).
struct OcxOptions {
  int heartbeat_ms = 15000;            // `:heartbeat` comment period per stream
  std::uint32_t retryable_errors = 0;  // the first K streams: `event: error` retryable, closed
  int retry_ms = 0;                    // `retry:` sent first on every stream (0: never)
  std::string reject_market;           // streams of this market: non-retryable error
  std::uint32_t blackholes = 0;        // the first K streams go silent after their snapshot
  std::string api_key;                 // the user stream's key ("": no user stream, 404)
  std::uint32_t user_every = 0;        // one user-script step per this many book events (0: none)
  std::string drift_market;            // REST books of this market differ ...
  std::uint32_t drift_replies = 0;     // ... in its first K replies
};

// One step of the seeded user script (GET /perps/stream/user): a fill and the
// position after it.
struct OcxUserStep {
  std::size_t symbol = 0;
  bool buy = false;
  std::int64_t fill_px = 0;   // at the symbol's px_exp
  std::int64_t fill_qty = 0;  // at its qty_exp, > 0
  std::int64_t quantity = 0;  // the position after the fill: signed, at qty_exp
  std::int64_t entry_px = 0;  // its average entry at px_exp (0 when flat)
};

// The script for `symbols` from `seed`: kOcxUserStepsPerSymbol fills per
// instrument (buys and sells of 1..20 lots, so positions grow, shrink, flip
// and close), interleaved across instruments. The same seed gives the same
// script.
inline constexpr std::size_t kOcxUserStepsPerSymbol = 5;
[[nodiscard]] std::vector<OcxUserStep> ocx_user_script(std::uint64_t seed,
                                                       const std::vector<SymbolSpec>& symbols);

// Blackhole accounting, for tests (io thread writes; read after the run).
struct OcxBlackholeStats {
  std::uint64_t silenced = 0;      // streams that went silent
  std::uint64_t detected = 0;      // ... that the client closed
  std::int64_t max_detect_ms = 0;  // longest silence before the client closed
};

// One GET /perps/market-stats?marketId=M answer (ocx-api.txt "Market
// stats"), the exact decimal strings sent.
struct OcxMarketStats {
  std::string mark_price;         // markPrice
  std::string open_interest_usd;  // openInterestUsd
  std::string funding_1h_pct;     // funding1hPct (a percent)
  std::uint64_t reply = 0;        // the market's reply number, 1, 2, ...
};

// The values of reply `n` (>= 1) for market `s`, a pure function of both:
// the mark walks a few ticks around the start price, open interest grows by
// 10 USD a reply, the funding percent cycles through -0.0002..0.0002.
[[nodiscard]] OcxMarketStats ocx_market_stats_values(const SymbolSpec& s, std::uint64_t n);

// The last market-stats answer an OCX venue gave for symbol index `sym`;
// nullopt when none or `venue` is not OCX. Safe from any thread.
[[nodiscard]] std::optional<OcxMarketStats> ocx_last_market_stats(const Venue& venue,
                                                                  std::size_t sym);

[[nodiscard]] std::unique_ptr<Venue> make_ocx_venue(const VenueModule& module, VenueOptions opts,
                                                    OcxOptions ocx);
// The blackhole accounting of an OCX venue (null for any other venue).
[[nodiscard]] const OcxBlackholeStats* ocx_blackholes(const Venue& venue);

}  // namespace wirebook::sim
