// The OCX simulator module: its descriptor for the simulator table.
#include "tools/sim/module.hpp"
#include "tools/sim/ocx/ocx_venue.hpp"

namespace wirebook::sim {

namespace {

std::vector<SymbolSpec> default_symbols() {
  return {
      {"BTC-PERP", -2, 10, -4, 1, 6'821'050},
      {"ETH-PERP", -2, 1, -3, 1, 312'345},
      {"SOL-PERP", -3, 5, -2, 1, 145'250},
      {"DOGE-PERP", -5, 1, 0, 10, 16'112},
  };
}

constexpr OptionSpec kOptions[] = {
    {"heartbeat_ms", OptionType::integer, "15000", 0, 3'600'000,
     "`:heartbeat` comment period on every stream (0: never)"},
    {"retryable_errors", OptionType::integer, "0", 0, 1'000'000,
     "fault: the first K streams get `event: error` retryable:true and are closed"},
    {"retry_ms", OptionType::integer, "0", 0, 3'600'000,
     "`retry: N` (the client's reconnection time) first on every stream (0: not sent)"},
    {"reject_market", OptionType::text, "", 0, 0,
     "fault: streams of this marketId get `event: error` retryable:false"},
    {"blackholes", OptionType::integer, "0", 0, 1'000'000,
     "fault: the first K streams go silent after their snapshot (held open, nothing sent)"},
    {"api_key", OptionType::text, "", 0, 0,
     "GET /perps/stream/user needs this x-api-key (401 otherwise); empty: no user stream"},
    {"user_every", OptionType::integer, "0", 0, 1'000'000,
     "one step of the seeded fill/position script per this many book events (0: none)"},
    {"drift_market", OptionType::text, "", 0, 0,
     "fault: GET /perps/orderbook of this market differs from the stream (see drift_replies)"},
    {"drift_replies", OptionType::integer, "0", 0, 1'000'000,
     "fault: the first K order-book replies of drift_market carry a changed best bid size"},
};

std::unique_ptr<Venue> make(const VenueModule& self, VenueOptions common,
                            const ModuleOptions& options) {
  OcxOptions o;
  o.heartbeat_ms = static_cast<int>(options.integer("heartbeat_ms"));
  o.retryable_errors = static_cast<std::uint32_t>(options.integer("retryable_errors"));
  o.retry_ms = static_cast<int>(options.integer("retry_ms"));
  o.reject_market = options.text("reject_market");
  o.blackholes = static_cast<std::uint32_t>(options.integer("blackholes"));
  o.api_key = options.text("api_key");
  o.user_every = static_cast<std::uint32_t>(options.integer("user_every"));
  o.drift_market = options.text("drift_market");
  o.drift_replies = static_cast<std::uint32_t>(options.integer("drift_replies"));
  return make_ocx_venue(self, std::move(common), std::move(o));
}

}  // namespace

extern const VenueModule kOcxModule;
const VenueModule kOcxModule{
    .name = "ocx",
    .description =
        "OCX perps book streams over Server-Sent Events (PROTOCOLS.md §5), the private user "
        "stream /perps/stream/user (x-api-key; positions and fills); REST GETs "
        "/perps/markets, /perps/orderbook/{marketId} and /perps/market-stats on the same port",
    .transport = Transport::sse,
    .path = "/perps/book-stream",
    .default_symbols = &default_symbols,
    .synthetic_prefix = "SYN",
    .synthetic_suffix = "-PERP",
    .options = kOptions,
    .make = &make,
};

}  // namespace wirebook::sim
