#pragma once
// OCX perps book streams over Server-Sent Events (PROTOCOLS.md §5) and the
// REST markets and order book (ocx-api.txt), on one port.
#include <cstdint>
#include <memory>
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

[[nodiscard]] std::unique_ptr<Venue> make_ocx_venue(const VenueModule& module, VenueOptions opts,
                                                    OcxOptions ocx);
// The blackhole accounting of an OCX venue (null for any other venue).
[[nodiscard]] const OcxBlackholeStats* ocx_blackholes(const Venue& venue);

}  // namespace wirebook::sim
