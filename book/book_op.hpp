#pragma once
// The venue-neutral vocabulary between feeds and books (DESIGN.md §1): a
// side and a price level. Plain values; trivially copyable so they can sit in
// preallocated arrays. (Feeds hand levels to books as text and convert them
// in place: VenueBooks::set_levels.)
#include <cstdint>
#include <type_traits>

namespace wirebook::book {

enum class Side : std::uint8_t { bid = 0, ask = 1 };

[[nodiscard]] constexpr Side opposite(Side s) noexcept {
  return s == Side::bid ? Side::ask : Side::bid;
}

// One price level: fixed-point price and absolute quantity at the book's exponents.
struct Level {
  std::int64_t px;
  std::int64_t qty;
  friend constexpr bool operator==(const Level&, const Level&) = default;
};

static_assert(std::is_trivially_copyable_v<Level>);
static_assert(sizeof(Level) == 16);

}  // namespace wirebook::book
