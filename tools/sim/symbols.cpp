#include "tools/sim/symbols.hpp"

#include <array>

#include "tools/sim/module.hpp"

namespace wirebook::sim {

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

}  // namespace

std::vector<SymbolSpec> venue_symbols(const VenueModule& venue, std::size_t count) {
  std::vector<SymbolSpec> out = venue.default_symbols();
  if (count == 0) return out;
  if (count < out.size()) {
    out.resize(count);
    return out;
  }
  for (std::size_t i = out.size(); i < count; ++i) {
    const TickShape& s = kShapes[i % kShapes.size()];
    SymbolSpec spec;
    spec.name = std::string(venue.synthetic_prefix) + std::to_string(i) +
                std::string(venue.synthetic_suffix);
    spec.px_exp = s.px_exp;
    spec.tick = s.tick;
    spec.qty_exp = -3 + static_cast<int>(i % 4);
    spec.lot = 1;
    spec.start_px = s.start_px + static_cast<std::int64_t>(i) * s.tick * 7;
    out.push_back(spec);
  }
  return out;
}

std::vector<SymbolSpec> venue_symbols(std::string_view venue, std::size_t count) {
  return venue_symbols(module_named(venue), count);
}

}  // namespace wirebook::sim
