#pragma once
// Pulse (Deribit-style JSON-RPC 2.0) public market data (PROTOCOLS.md §2).
#include <memory>
#include <string>
#include <string_view>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

[[nodiscard]] std::unique_ptr<Venue> make_pulse_venue(VenueOptions opts);

// Hex HMAC-SHA256 of `timestamp + "\n" + nonce + "\n" + data` under `secret`:
// the client_signature of public/auth (Deribit's signature credentials).
[[nodiscard]] std::string pulse_signature(std::string_view secret, std::string_view timestamp,
                                          std::string_view nonce, std::string_view data);

}  // namespace wirebook::sim
