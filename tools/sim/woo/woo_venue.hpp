#pragma once
// WOO X WebSocket v2 public market data (PROTOCOLS.md §1.3–1.6).
#include <memory>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

// The module's options (module.cpp declares their keys, defaults and rules).
struct WooOptions {
  int ping_ms = 0;
  int max_missed_pongs = 0;
  int snapshot_ms = 0;  // @orderbook push period
};

[[nodiscard]] std::unique_ptr<Venue> make_woo_venue(const VenueModule& module, VenueOptions opts,
                                                    WooOptions woo);

}  // namespace wirebook::sim
