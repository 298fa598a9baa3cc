// The OX.FUN simulator module: its descriptor for the simulator table.
#include "tools/sim/module.hpp"
#include "tools/sim/oxfun/oxfun_venue.hpp"

namespace wirebook::sim {

namespace {

std::vector<SymbolSpec> default_symbols() {
  return {
      {"BTC-USD-SWAP-LIN", -1, 10, -3, 1, 190'240}, {"ETH-USD-SWAP-LIN", -1, 1, -2, 1, 30'795},
      {"SOL-USD-SWAP-LIN", -3, 10, -1, 1, 145'250}, {"OX-USD-SWAP-LIN", -6, 1, 0, 100, 4'512},
      {"DOGE-USD-SWAP-LIN", -5, 1, 0, 10, 16'112},  {"XRP-USD-SWAP-LIN", -4, 1, -1, 1, 5'234},
  };
}

constexpr OptionSpec kOptions[] = {
    {"api_key", OptionType::text, "sim-key", 0, 0, "login apiKey"},
    {"api_secret", OptionType::text, "sim-secret", 0, 0,
     "login secret (HMAC key of the signature)"},
    {"greeting", OptionType::flag, "true", 0, 0, "send a frame carrying `nonce` on connect"},
    {"idle_close_ms", OptionType::integer, "60000", 0, 3'600'000,
     "close a connection silent this long without depth channels (0: never)"},
    {"depth_ms", OptionType::integer, "1000", 0, 3'600'000,
     "full `depth` push period (0: never; the venue pushes every 100 ms)"},
    {"late_snapshot", OptionType::number, "0.3", 0, 1,
     "share of depthUpdate partials sent after the market's next diff"},
    {"seq_step_max", OptionType::integer, "1", 1, 1'000'000,
     "seqNum advances by 1..this per diff (> 1: jumps)"},
    {"position_ms", OptionType::integer, "200", 0, 3'600'000,
     "position script step period (0: never)"},
    {"max_requests_per_s", OptionType::integer, "0", 0, 100'000,
     "refuse requests beyond this many per second with 20007 (0: no limit)"},
    {"ignore_pings", OptionType::integer, "0", 0, 1'000'000,
     "fault: the first K text pings get no pong"},
    {"ticker_ms", OptionType::integer, "1000", 0, 3'600'000,
     "ticker:<market> push period (0: never; the venue pushes every 500 ms)"},
};

std::unique_ptr<Venue> make(const VenueModule& self, VenueOptions common,
                            const ModuleOptions& options) {
  OxfunOptions o;
  o.api_key = options.text("api_key");
  o.api_secret = options.text("api_secret");
  o.greeting = options.flag("greeting");
  o.idle_close_ms = static_cast<int>(options.integer("idle_close_ms"));
  o.depth_ms = static_cast<int>(options.integer("depth_ms"));
  o.late_snapshot = options.number("late_snapshot");
  o.seq_step_max = static_cast<std::uint32_t>(options.integer("seq_step_max"));
  o.position_ms = static_cast<int>(options.integer("position_ms"));
  o.max_requests_per_s = static_cast<std::uint32_t>(options.integer("max_requests_per_s"));
  o.ignore_pings = static_cast<std::uint32_t>(options.integer("ignore_pings"));
  o.ticker_ms = static_cast<int>(options.integer("ticker_ms"));
  return make_oxfun_venue(self, std::move(common), std::move(o));
}

}  // namespace

extern const VenueModule kOxfunModule;
const VenueModule kOxfunModule{
    .name = "oxfun",
    .description =
        "OX.FUN v2 WebSocket: depthUpdate books, login, positions, ticker (PROTOCOLS.md §4)",
    .transport = Transport::websocket,
    .path = "/v2/websocket",
    .default_symbols = &default_symbols,
    .synthetic_prefix = "SYN",
    .synthetic_suffix = "-USD-SWAP-LIN",
    .options = kOptions,
    .make = &make,
};

}  // namespace wirebook::sim
