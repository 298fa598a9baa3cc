#pragma once
// OCX `GET /perps/markets` (ocx-api.txt): the listed markets, to check the
// configured symbols at start-up and to take each market's priceDecimals and
// sizeDecimals as its book's starting exponents. Cold path: allocates, never
// throws.
#include <string>
#include <string_view>
#include <vector>

#include "feeds/common/venue_books.hpp"

namespace wirebook::feeds::ocx {

struct MarketInfo {
  std::string id;           // "BTC-PERP": the marketId of the streams
  int price_decimals = -1;  // -1: not given
  int size_decimals = -1;
};

struct MarketsResult {
  std::vector<MarketInfo> markets;
  std::string error;  // empty when the body was a market array
};

[[nodiscard]] MarketsResult parse_markets(std::string_view body);

// The configured symbols no market lists, "A, B" ("" when all are listed).
[[nodiscard]] std::string unlisted(const std::vector<std::string>& symbols,
                                   const std::vector<MarketInfo>& markets);

// Book i's starting exponents become -priceDecimals / -sizeDecimals of the
// market with its symbol (a decimals field the market lacks keeps the book's
// exponent). Returns the books changed; call before any data arrives.
std::size_t apply_decimals(VenueBooks& books, const std::vector<MarketInfo>& markets);

}  // namespace wirebook::feeds::ocx
