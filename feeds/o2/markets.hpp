#pragma once
// GET /api/v1/markets (o2dex-api.txt): the {success, data, error} envelope
// around the market list, mapping symbols to integer market ids and giving
// decimals (field names: schema.hpp). Start-up / control path: allocates,
// never touches the venue thread's hot path.
//
// Threading: pure functions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wirebook::feeds::o2 {

struct MarketInfo {
  std::string symbol;
  std::int64_t market_id = -1;
  std::optional<int> price_decimals;  // digits after the point, when the venue says
  std::optional<int> size_decimals;
};

enum class RestStatus : std::uint8_t {
  ok,
  venue_error,  // {"success":false,...}: `error` holds the venue's message
  malformed,    // not JSON, not the envelope, or a market without id/symbol
};

struct MarketsResult {
  RestStatus status = RestStatus::malformed;
  std::string error;  // venue message or what was wrong
  std::vector<MarketInfo> markets;
};

// Parses the body of GET /api/v1/markets. `data` may be an array of markets or
// an object holding one under "markets".
[[nodiscard]] MarketsResult parse_markets(std::string_view body);

// Resolves `symbols` against `markets` (exact match first, then ignoring case
// and the separators '-', '_', '/'). Returns one id per symbol, or throws
// std::runtime_error naming every symbol that has no market.
[[nodiscard]] std::vector<MarketInfo> resolve_markets(const std::vector<std::string>& symbols,
                                                      const std::vector<MarketInfo>& markets);

}  // namespace wirebook::feeds::o2
