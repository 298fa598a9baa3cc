#pragma once
// OCX perps book streams over Server-Sent Events (PROTOCOLS.md §5) and the
// REST markets and order book (ocx-api.txt), on one port.
#include <memory>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

// The module's options (module.cpp declares their keys, defaults and rules).
struct OcxOptions {
  int heartbeat_ms = 15000;            // `:heartbeat` comment period per stream
  std::uint32_t retryable_errors = 0;  // the first K streams: `event: error` retryable, closed
  int retry_ms = 0;                    // `retry:` sent first on every stream (0: never)
  std::string reject_market;           // streams of this market: non-retryable error
  std::uint32_t blackholes = 0;        // the first K streams go silent after their snapshot
};

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
