#pragma once
// WOO X WebSocket v2 public market data (PROTOCOLS.md §1.3–1.6).
#include <memory>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

[[nodiscard]] std::unique_ptr<Venue> make_woo_venue(VenueOptions opts);

}  // namespace wirebook::sim
