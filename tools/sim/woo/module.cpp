// The WOO X v2 simulator module: its descriptor for the simulator table.
#include "tools/sim/module.hpp"
#include "tools/sim/woo/woo_venue.hpp"

namespace wirebook::sim {

namespace {

std::vector<SymbolSpec> default_symbols() {
  return {
      {"SPOT_BTC_USDT", -2, 1, -8, 1, 5'674'915}, {"PERP_BTC_USDT", -1, 5, -4, 1, 567'490},
      {"SPOT_ETH_USDT", -2, 1, -6, 10, 312'345},  {"PERP_ETH_USDT", -2, 5, -3, 1, 312'300},
      {"SPOT_WOO_USDT", -5, 1, -2, 100, 31'075},  {"PERP_DOGE_USDT", -6, 1, 0, 1, 161'120},
  };
}

constexpr OptionSpec kOptions[] = {
    {"ping_ms", OptionType::integer, "10000", 1, 3'600'000, "server ping period"},
    {"max_missed_pongs", OptionType::integer, "10", 1, 1'000,
     "close after this many unanswered pings"},
    {"snapshot_ms", OptionType::integer, "1000", 1, 3'600'000,
     "@orderbook push period (pushed only on change)"},
};

std::unique_ptr<Venue> make(const VenueModule& self, VenueOptions common,
                            const ModuleOptions& options) {
  WooOptions w;
  w.ping_ms = static_cast<int>(options.integer("ping_ms"));
  w.max_missed_pongs = static_cast<int>(options.integer("max_missed_pongs"));
  w.snapshot_ms = static_cast<int>(options.integer("snapshot_ms"));
  return make_woo_venue(self, std::move(common), w);
}

}  // namespace

extern const VenueModule kWooModule;
const VenueModule kWooModule{
    .name = "woo",
    .description = "WOO X WebSocket v2 public market data (PROTOCOLS.md §1)",
    .transport = Transport::websocket,
    .path = "/ws/stream",
    .default_symbols = &default_symbols,
    .synthetic_prefix = "SPOT_SYN",
    .synthetic_suffix = "_USDT",
    .options = kOptions,
    .make = &make,
};

}  // namespace wirebook::sim
