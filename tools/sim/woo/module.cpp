// The WOO X simulator module (v2, or v3 with protocol=v3): its descriptor for
// the simulator table.
#include <stdexcept>

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
    {"protocol", OptionType::text, "v2", 0, 0, "v2 or v3 (v3: cmd frames and the REST book)"},
    {"idle_close_ms", OptionType::integer, "60000", 1, 3'600'000,
     "v3: close a socket the client left silent this long"},
    {"max_connection_ms", OptionType::integer, "0", 0, 86'400'000,
     "v3: close every connection this long after it opened (0: never)"},
    {"rest_lag", OptionType::number, "0", 0, 1, "v3: chance a REST book is behind the socket"},
    {"rest_lag_events", OptionType::integer, "20", 1, 100'000,
     "v3: how many events behind a lagging REST book is"},
    {"ref_ms", OptionType::integer, "1000", 1, 3'600'000,
     "reference channels (mark, index, funding, open interest) push period"},
};

std::unique_ptr<Venue> make(const VenueModule& self, VenueOptions common,
                            const ModuleOptions& options) {
  WooOptions w;
  w.ping_ms = static_cast<int>(options.integer("ping_ms"));
  w.max_missed_pongs = static_cast<int>(options.integer("max_missed_pongs"));
  w.snapshot_ms = static_cast<int>(options.integer("snapshot_ms"));
  const std::string& protocol = options.text("protocol");
  if (protocol != "v2" && protocol != "v3") {
    throw std::invalid_argument("woo: protocol must be v2 or v3, got '" + protocol + "'");
  }
  w.v3 = protocol == "v3";
  w.idle_close_ms = static_cast<int>(options.integer("idle_close_ms"));
  w.max_connection_ms = static_cast<int>(options.integer("max_connection_ms"));
  w.rest_lag = options.number("rest_lag");
  w.rest_lag_events = static_cast<int>(options.integer("rest_lag_events"));
  w.ref_ms = static_cast<int>(options.integer("ref_ms"));
  return make_woo_venue(self, std::move(common), w);
}

}  // namespace

extern const VenueModule kWooModule;
const VenueModule kWooModule{
    .name = "woo",
    .description = "WOO X WebSocket v2 (or v3, protocol=v3) public market data (PROTOCOLS.md §1)",
    .transport = Transport::websocket,
    .path = "/ws/stream",
    .default_symbols = &default_symbols,
    .synthetic_prefix = "SPOT_SYN",
    .synthetic_suffix = "_USDT",
    .options = kOptions,
    .make = &make,
};

}  // namespace wirebook::sim
