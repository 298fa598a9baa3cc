#pragma once
// O2 DEX public market data in the WORKING schema (DESIGN.md §5,
// feeds/o2/schema.hpp; PROTOCOLS.md §3.1): WebSocket /api/v1/ws with
// {"type":"subscribe"|"unsubscribe","channel":…,"market_id":N}; order_book
// snapshot on every subscribe, then deltas with seq/prev_seq; trades, ticker,
// mark_price and funding; REST GET /api/v1/markets and
// /api/v1/markets/{id}/orderbook in the {success, data, error} envelope.
// market_id is the symbol's position in the module's symbol list plus one.
// mark_price and funding are pushed every `mark_ms` with deterministic exact
// values (push k of symbol s: see o2_venue.cpp reference_values), and the
// venue keeps the last ones it sent per symbol for tests (o2_reference_sent).
//
// Threading: the simulator's io thread, like every venue module.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

// The module's options (module.cpp declares their keys, defaults and rules).
struct O2Options {
  bool sequenced = true;      // false: book frames carry no seq/prev_seq (type stays)
  double string_numbers = 0;  // share of book frames whose numbers are JSON strings
  double object_levels = 0;   // share of book frames with {price, size} levels
  int mark_ms = 0;            // mark_price / funding period
};

// The reference values last sent for one symbol: the texts exactly as in the
// frames (empty: none sent yet), their frame `ts` (ms) and how many timer
// pushes reached at least one subscriber.
struct O2ReferenceSent {
  std::string mark_price;
  std::string funding_rate;
  std::int64_t mark_ts_ms = 0;
  std::int64_t funding_ts_ms = 0;
  std::uint64_t mark_pushes = 0;
  std::uint64_t funding_pushes = 0;
};

// A copy of what `venue` (an O2 venue) last sent for symbol `sym`; nullopt
// for another venue or a symbol out of range. Safe from any thread.
[[nodiscard]] std::optional<O2ReferenceSent> o2_reference_sent(const Venue& venue, std::size_t sym);

[[nodiscard]] std::unique_ptr<Venue> make_o2_venue(const VenueModule& module, VenueOptions opts,
                                                   O2Options o2);

}  // namespace wirebook::sim
