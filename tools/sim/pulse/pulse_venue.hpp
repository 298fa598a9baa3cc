#pragma once
// Pulse (Deribit-style JSON-RPC 2.0) public market data (PROTOCOLS.md §2).
// Reference channels (pulse-api.txt "Subscription"): funding_rates.<instr>
// (models.FundingRateNotification) and deribit_price_index.<index>
// (models.PriceNotification, index = the instrument name's part before '-',
// lower case: btc_usd), pushed every `ref_ms` to subscribed sessions with
// deterministic exact values (pulse_venue.cpp reference_values); the venue
// keeps the last values it sent per symbol (pulse_reference_sent).
#include <cstdint>
#include <memory>
#include <optional>
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
  int ref_ms = 1000;  // funding_rates / deribit_price_index period
};

// The reference values last sent for one symbol: the funding rate text (as in
// the frame's "rate" string) and its pushes, and the price text of the index
// the symbol is on (as in the frame's "price" number), its timestamp (ms) and
// pushes. Empty texts: none sent yet.
struct PulseReferenceSent {
  std::string funding_rate;
  std::uint64_t funding_pushes = 0;
  std::string index_price;
  std::int64_t index_ts_ms = 0;
  std::uint64_t index_pushes = 0;
};

// A copy of what `venue` (a Pulse venue) last sent for symbol `sym`; nullopt
// for another venue or a symbol out of range. Safe from any thread.
[[nodiscard]] std::optional<PulseReferenceSent> pulse_reference_sent(const Venue& venue,
                                                                     std::size_t sym);

[[nodiscard]] std::unique_ptr<Venue> make_pulse_venue(const VenueModule& module, VenueOptions opts,
                                                      PulseOptions pulse);

// Hex HMAC-SHA256 of `timestamp + "\n" + nonce + "\n" + data` under `secret`:
// the client_signature of public/auth (Deribit's signature credentials).
[[nodiscard]] std::string pulse_signature(std::string_view secret, std::string_view timestamp,
                                          std::string_view nonce, std::string_view data);

}  // namespace wirebook::sim
