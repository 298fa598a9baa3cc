// The Pulse simulator module: its descriptor for the simulator table.
#include "tools/sim/module.hpp"
#include "tools/sim/pulse/pulse_venue.hpp"

namespace wirebook::sim {

namespace {

std::vector<SymbolSpec> default_symbols() {
  return {
      {"BTC_USD-PERPETUAL", -1, 5, 0, 10, 922'885},
      {"ETH_USD-PERPETUAL", -2, 5, 0, 1, 312'300},
      {"NVDA_USDC-PERPETUAL", -2, 1, -2, 1, 22'851},
      {"SOL_USDC-PERPETUAL", -3, 5, -1, 1, 145'250},
      {"ALGO_USDC-PERPETUAL", -5, 1, 0, 1, 11'374},
      {"PEPE_USDC-PERPETUAL", -6, 1, 0, 1000, 12'345},
  };
}

constexpr OptionSpec kOptions[] = {
    {"second_ms", OptionType::integer, "1000", 1, 60'000,
     "length of one heartbeat-interval second (tests shrink it)"},
    {"agg_ms", OptionType::integer, "100", 1, 60'000, "period of the book.*.100ms channels"},
    {"client_id", OptionType::text, "sim-client", 0, 0, "public/auth client_id"},
    {"client_secret", OptionType::text, "sim-secret", 0, 0,
     "public/auth client_secret (HMAC key for client_signature)"},
    {"raw_needs_auth", OptionType::flag, "false", 0, 0,
     "refuse book.*.raw before public/auth (error 13778, as Deribit)"},
    {"lose_test_answers", OptionType::integer, "0", 0, 1'000'000,
     "fault: ignore the first K public/test answers (each costs a heartbeat close)"},
    {"exponent_rate", OptionType::number, "0.05", 0, 1,
     "share of numbers printed in exponent form (2.5e4)"},
    {"documented", OptionType::flag, "false", 0, 0,
     "Pulse as pulse-api.txt documents it: no public/unsubscribe or public/test (refused as "
     "unknown methods), string subscribe results, CommonCodes errors, connection.Message acks, "
     "test_request answered by public/set_heartbeat, expires_in as an epoch"},
    {"pair_levels", OptionType::flag, "false", 0, 0,
     "book levels as [price, amount] (no action word)"},
    {"ref_ms", OptionType::integer, "1000", 1, 3'600'000,
     "funding_rates / deribit_price_index period (deterministic exact values per push)"},
    {"token_lifetime_s", OptionType::integer, "31536000", 1, 1'000'000'000,
     "public/auth token lifetime; a session not refreshed in time is closed (4001)"},
};

std::unique_ptr<Venue> make(const VenueModule& self, VenueOptions common,
                            const ModuleOptions& options) {
  PulseOptions p;
  p.second_ms = static_cast<int>(options.integer("second_ms"));
  p.agg_ms = static_cast<int>(options.integer("agg_ms"));
  p.client_id = options.text("client_id");
  p.client_secret = options.text("client_secret");
  p.raw_needs_auth = options.flag("raw_needs_auth");
  p.lose_test_answers = static_cast<std::uint32_t>(options.integer("lose_test_answers"));
  p.exponent_rate = options.number("exponent_rate");
  p.documented = options.flag("documented");
  p.pair_levels = options.flag("pair_levels");
  p.token_lifetime_s = options.integer("token_lifetime_s");
  p.ref_ms = static_cast<int>(options.integer("ref_ms"));
  return make_pulse_venue(self, std::move(common), std::move(p));
}

}  // namespace

extern const VenueModule kPulseModule;
const VenueModule kPulseModule{
    .name = "pulse",
    .description = "Pulse (Deribit-style JSON-RPC 2.0) public market data (PROTOCOLS.md §2)",
    .transport = Transport::websocket,
    .path = "/ws/api/v2",
    .default_symbols = &default_symbols,
    .synthetic_prefix = "SYN",
    .synthetic_suffix = "_USDC-PERPETUAL",
    .options = kOptions,
    .make = &make,
};

}  // namespace wirebook::sim
