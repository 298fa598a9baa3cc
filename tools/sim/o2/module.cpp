// The O2 DEX simulator module: its descriptor for the simulator table.
#include "tools/sim/module.hpp"
#include "tools/sim/o2/o2_venue.hpp"

namespace wirebook::sim {

namespace {

// market_id is the list position + 1 (o2_venue.cpp).
std::vector<SymbolSpec> default_symbols() {
  return {
      {"BTC-USD", -1, 1, -4, 1, 567'490},
      {"ETH-USD", -2, 1, -3, 1, 312'345},
      {"SOL-USD", -3, 5, -2, 1, 145'250},
      {"DOGE-USD", -5, 1, 0, 10, 16'112},
  };
}

constexpr OptionSpec kOptions[] = {
    {"unsequenced", OptionType::flag, "false", 0, 0,
     "book frames and REST books without seq/prev_seq (gap detection then best effort)"},
    {"string_numbers", OptionType::number, "0.3", 0, 1,
     "share of book frames whose numbers are JSON strings"},
    {"object_levels", OptionType::number, "0.2", 0, 1,
     "share of book frames with {price, size} levels"},
    {"mark_ms", OptionType::integer, "1000", 1, 3'600'000,
     "mark_price / funding period (deterministic exact values per push)"},
};

std::unique_ptr<Venue> make(const VenueModule& self, VenueOptions common,
                            const ModuleOptions& options) {
  O2Options o;
  o.sequenced = !options.flag("unsequenced");
  o.string_numbers = options.number("string_numbers");
  o.object_levels = options.number("object_levels");
  o.mark_ms = static_cast<int>(options.integer("mark_ms"));
  return make_o2_venue(self, std::move(common), o);
}

}  // namespace

extern const VenueModule kO2Module;
const VenueModule kO2Module{
    .name = "o2",
    .description =
        "O2 DEX in the working schema (DESIGN.md §5); REST GETs /api/v1/markets and "
        "/api/v1/markets/{id}/orderbook on the same port",
    .transport = Transport::websocket,
    .path = "/api/v1/ws",
    .default_symbols = &default_symbols,
    .synthetic_prefix = "SYN",
    .synthetic_suffix = "-USD",
    .options = kOptions,
    .make = &make,
};

}  // namespace wirebook::sim
