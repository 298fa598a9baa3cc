#pragma once
// Pulse (Deribit-style JSON-RPC 2.0) public market data (PROTOCOLS.md §2).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tools/sim/venue.hpp"

namespace wirebook::sim {

// The module's options (module.cpp declares their keys, defaults and rules).
struct PulseOptions {
  int second_ms = 0;  // length of one heartbeat "second" (tests shrink it)
  int agg_ms = 0;     // .100ms channel period
  std::string client_id;
  std::string client_secret;
  bool raw_needs_auth = false;
  std::uint32_t lose_test_answers = 0;  // fault: ignore the first K public/test answers
  double exponent_rate = 0;             // share of numbers printed as 2.5e4
  // "Pulse as documented" (pulse-api.txt) instead of Deribit's behaviour:
  // public/unsubscribe and public/test do not exist (refused as unknown
  // methods), public/subscribe returns a string, errors carry CommonCodes
  // (1..13), acks without a result are connection.Message objects, a
  // test_request is answered by public/set_heartbeat, and expires_in is an
  // epoch in seconds, as the document's LoginResponse example.
  bool documented = false;
  bool pair_levels = false;  // book levels as [price, amount] instead of [action, price, amount]
  // Access token lifetime; a session still using a token past it is closed
  // with 4001 "token expired" (refresh with grant_type refresh_token).
  std::int64_t token_lifetime_s = 31'536'000;
};

[[nodiscard]] std::unique_ptr<Venue> make_pulse_venue(const VenueModule& module, VenueOptions opts,
                                                      PulseOptions pulse);

// Hex HMAC-SHA256 of `timestamp + "\n" + nonce + "\n" + data` under `secret`:
// the client_signature of public/auth (Deribit's signature credentials).
[[nodiscard]] std::string pulse_signature(std::string_view secret, std::string_view timestamp,
                                          std::string_view nonce, std::string_view data);

}  // namespace wirebook::sim
