#pragma once
// Instruments the simulator lists per venue: name, tick size and starting price
// as integer units of 10^px_exp (DESIGN.md §3), quantity exponent and lot. A
// venue module supplies its default list and how synthetic names look.
//
// Threading: plain values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wirebook::sim {

struct VenueModule;

struct SymbolSpec {
  std::string name;
  int px_exp = -2;            // prices are integers at 10^px_exp
  std::int64_t tick = 1;      // tick size in price units (0.5 at px_exp -1 is 5)
  int qty_exp = -4;           // quantities are integers at 10^qty_exp
  std::int64_t lot = 1;       // quantities are multiples of lot (qty units)
  std::int64_t start_px = 0;  // starting mid in price units, a multiple of tick
};

// The default instruments of a venue, extended with synthetic ones (cycling
// through tick sizes 0.5 … 0.000001) when `count` exceeds the default list.
// count 0 means the default list.
[[nodiscard]] std::vector<SymbolSpec> venue_symbols(const VenueModule& venue, std::size_t count);
// The same for the module called `venue` (std::invalid_argument when there is none).
[[nodiscard]] std::vector<SymbolSpec> venue_symbols(std::string_view venue, std::size_t count);

}  // namespace wirebook::sim
