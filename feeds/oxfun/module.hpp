#pragma once
// The oxfun venue module (module.cpp), listed in feeds/registry.cpp, and its
// config keys (tests read them back).
#include <cstdint>
#include <string>

#include "feeds/common/venue_module.hpp"

namespace wirebook::feeds::oxfun {

extern const VenueModule kModule;

// The module's own config keys, read and checked (problems go to the reader).
struct OxfunKeys {
  bool trades = false;       // extra_channels has "trade": trade:<market> to the event ring
  bool bbo = false;          // ... "bestBidAsk": bestBidAsk:<market> to the event ring
  bool positions = false;    // position:all after login (needs api_key and api_secret)
  bool depth_check = false;  // compare the book with the venue's full `depth` push
  bool reference = false;    // ticker:<market> -> reference slots (mark, index, open interest)
  bool jumps_break = true;   // seqnum_jumps = "break" (default) | "count"
  std::int64_t request_interval_ms = 1000;  // request pacing ("1 per second", PROTOCOLS §4.3)
  std::int64_t args_per_frame = 20;
  std::int64_t greeting_timeout_ms = 2000;
};

[[nodiscard]] OxfunKeys read_keys(config::TableReader& r, const config::VenueConfig& venue);

// The documented connection limit, "200 per minute" (PROTOCOLS §4.3): the
// session never starts two connection attempts closer than this.
inline constexpr std::int64_t kMinConnectIntervalNs = 60'000'000'000 / 200;

}  // namespace wirebook::feeds::oxfun
