#pragma once
// WOO X WebSocket public market data: v2 (PROTOCOLS.md §1.3–1.6) or v3
// (§1.4, §1.9, with the v3 REST order book on the same port).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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
  int ref_ms = 1000;          // reference channels' push period (mark, index, funding, OI)
};

// The reference values the venue last sent for one symbol (refdata_spec §1,
// §2), as the exact decimal text on the wire. A v3 index is keyed by the
// spot symbol: it is recorded on every symbol of that underlying.
struct WooReferenceSent {
  std::string mark_price;            // "" never sent
  std::string index_price;           // "" never sent
  std::string funding_rate;          // "" never sent
  std::string open_interest;         // "" never sent
  std::int64_t next_funding_ms = 0;  // v3 `ft`; 0 never sent (v2 has none)
  std::int64_t ts_ms = 0;            // exchange time of the last frame (v2 ts, v3 data.ts)
  std::uint64_t rounds = 0;          // reference frames sent to sessions for this symbol
};

// The last reference values `venue` (a WOO venue) sent for `symbol`; false
// for another venue or an unknown symbol. Safe from any thread.
[[nodiscard]] bool woo_reference_sent(Venue& venue, std::string_view symbol, WooReferenceSent& out);

[[nodiscard]] std::unique_ptr<Venue> make_woo_venue(const VenueModule& module, VenueOptions opts,
                                                    WooOptions woo);

}  // namespace wirebook::sim
