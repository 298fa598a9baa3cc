#pragma once
// O2 DEX public market data in the WORKING schema (DESIGN.md §5,
// feeds/o2/schema.hpp; PROTOCOLS.md §3.1): WebSocket /api/v1/ws with
// {"type":"subscribe"|"unsubscribe","channel":…,"market_id":N}; order_book
// snapshot on every subscribe, then deltas with seq/prev_seq; trades, ticker,
// mark_price and funding; REST GET /api/v1/markets and
// /api/v1/markets/{id}/orderbook in the {success, data, error} envelope.
// market_id is the symbol's position in the module's symbol list plus one.
//
// Threading: the simulator's io thread, like every venue module.
#include <memory>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

// The module's options (module.cpp declares their keys, defaults and rules).
struct O2Options {
  bool sequenced = true;      // false: book frames carry no seq/prev_seq (type stays)
  double string_numbers = 0;  // share of book frames whose numbers are JSON strings
  double object_levels = 0;   // share of book frames with {price, size} levels
  int mark_ms = 0;            // mark_price / funding period
};

[[nodiscard]] std::unique_ptr<Venue> make_o2_venue(const VenueModule& module, VenueOptions opts,
                                                   O2Options o2);

}  // namespace wirebook::sim
