#include "tools/sim/symbols.hpp"

#include <array>

namespace wirebook::sim {

const char* to_string(VenueKind v) noexcept {
  switch (v) {
    case VenueKind::woo:
      return "woo";
    case VenueKind::pulse:
      return "pulse";
    case VenueKind::o2:
      return "o2";
  }
  return "?";
}

namespace {

// Tick sizes the synthetic instruments cycle through: {px_exp, tick units, start mid units}.
struct TickShape {
  int px_exp;
  std::int64_t tick;
  std::int64_t start_px;
};
constexpr std::array<TickShape, 6> kShapes{{
    {-1, 5, 2'500'000},  // 0.5       around 250000
    {-1, 1, 300'000},    // 0.1       around 30000
    {-2, 1, 250'000},    // 0.01      around 2500
    {-3, 1, 150'000},    // 0.001     around 150
    {-4, 1, 52'340},     // 0.0001    around 5.234
    {-6, 1, 123'456},    // 0.000001  around 0.123456
}};

std::vector<SymbolSpec> woo_defaults() {
  return {
      {"SPOT_BTC_USDT", -2, 1, -8, 1, 5'674'915}, {"PERP_BTC_USDT", -1, 5, -4, 1, 567'490},
      {"SPOT_ETH_USDT", -2, 1, -6, 10, 312'345},  {"PERP_ETH_USDT", -2, 5, -3, 1, 312'300},
      {"SPOT_WOO_USDT", -5, 1, -2, 100, 31'075},  {"PERP_DOGE_USDT", -6, 1, 0, 1, 161'120},
  };
}

std::vector<SymbolSpec> pulse_defaults() {
  return {
      {"BTC_USD-PERPETUAL", -1, 5, 0, 10, 922'885},
      {"ETH_USD-PERPETUAL", -2, 5, 0, 1, 312'300},
      {"NVDA_USDC-PERPETUAL", -2, 1, -2, 1, 22'851},
      {"SOL_USDC-PERPETUAL", -3, 5, -1, 1, 145'250},
      {"ALGO_USDC-PERPETUAL", -5, 1, 0, 1, 11'374},
      {"PEPE_USDC-PERPETUAL", -6, 1, 0, 1000, 12'345},
  };
}

// O2 DEX perpetuals; market_id is the list position + 1 (o2/o2_venue.cpp).
std::vector<SymbolSpec> o2_defaults() {
  return {
      {"BTC-USD", -1, 1, -4, 1, 567'490},
      {"ETH-USD", -2, 1, -3, 1, 312'345},
      {"SOL-USD", -3, 5, -2, 1, 145'250},
      {"DOGE-USD", -5, 1, 0, 10, 16'112},
  };
}

}  // namespace

std::vector<SymbolSpec> venue_symbols(VenueKind venue, std::size_t count) {
  std::vector<SymbolSpec> out = venue == VenueKind::woo     ? woo_defaults()
                                : venue == VenueKind::pulse ? pulse_defaults()
                                                            : o2_defaults();
  if (count == 0) return out;
  if (count < out.size()) {
    out.resize(count);
    return out;
  }
  for (std::size_t i = out.size(); i < count; ++i) {
    const TickShape& s = kShapes[i % kShapes.size()];
    const std::string n = std::to_string(i);
    SymbolSpec spec;
    spec.name = venue == VenueKind::woo     ? "SPOT_SYN" + n + "_USDT"
                : venue == VenueKind::pulse ? "SYN" + n + "_USDC-PERPETUAL"
                                            : "SYN" + n + "-USD";
    spec.px_exp = s.px_exp;
    spec.tick = s.tick;
    spec.qty_exp = -3 + static_cast<int>(i % 4);
    spec.lot = 1;
    spec.start_px = s.start_px + static_cast<std::int64_t>(i) * s.tick * 7;
    out.push_back(spec);
  }
  return out;
}

}  // namespace wirebook::sim
