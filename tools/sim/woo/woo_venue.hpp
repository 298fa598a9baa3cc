#pragma once
// WOO X WebSocket public market data: v2 (PROTOCOLS.md §1.3–1.6) or v3
// (§1.4, §1.9, with the v3 REST order book on the same port).
#include <memory>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

// The module's options (module.cpp declares their keys, defaults and rules).
struct WooOptions {
  int ping_ms = 0;
  int max_missed_pongs = 0;
  int snapshot_ms = 0;  // @orderbook push period
  // v3: `cmd` frames, kind@SYMBOL topics, string levels, no server ping.
  bool v3 = false;
  int idle_close_ms = 0;      // v3: close a socket the client left silent this long
  int max_connection_ms = 0;  // v3: the connection cap (0: none)
  double rest_lag = 0;        // v3: chance a REST book is an older one (behind the socket)
  int rest_lag_events = 0;    // v3: how many events behind a lagging REST book is
};

[[nodiscard]] std::unique_ptr<Venue> make_woo_venue(const VenueModule& module, VenueOptions opts,
                                                    WooOptions woo);

}  // namespace wirebook::sim
