#include "feeds/ocx/markets.hpp"

#include <simdjson.h>

#include <algorithm>

namespace wirebook::feeds::ocx {

namespace {

// One market object; false when it has no string id.
bool read_market(simdjson::dom::element e, MarketInfo& out) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return false;
  std::string_view id;
  if (obj["id"].get_string().get(id) != simdjson::SUCCESS || id.empty()) return false;
  out.id = std::string(id);
  std::int64_t d = 0;
  if (obj["priceDecimals"].get_int64().get(d) == simdjson::SUCCESS && d >= 0 && d <= 18) {
    out.price_decimals = static_cast<int>(d);
  }
  if (obj["sizeDecimals"].get_int64().get(d) == simdjson::SUCCESS && d >= 0 && d <= 18) {
    out.size_decimals = static_cast<int>(d);
  }
  return true;
}

}  // namespace

MarketsResult parse_markets(std::string_view body) {
  MarketsResult r;
  simdjson::dom::parser parser;
  simdjson::dom::array arr;
  const simdjson::padded_string padded(body);
  if (parser.parse(padded).get_array().get(arr) != simdjson::SUCCESS) {
    r.error = "the reply is not a JSON array of markets";
    return r;
  }
  for (simdjson::dom::element e : arr) {
    MarketInfo m;
    if (!read_market(e, m)) {
      r.error = "a market without a string 'id'";
      r.markets.clear();
      return r;
    }
    r.markets.push_back(std::move(m));
  }
  return r;
}

std::string unlisted(const std::vector<std::string>& symbols,
                     const std::vector<MarketInfo>& markets) {
  std::string missing;
  for (const auto& s : symbols) {
    const bool listed =
        std::any_of(markets.begin(), markets.end(), [&](const MarketInfo& m) { return m.id == s; });
    if (listed) continue;
    if (!missing.empty()) missing += ", ";
    missing += s;
  }
  return missing;
}

std::size_t apply_decimals(VenueBooks& books, const std::vector<MarketInfo>& markets) {
  std::size_t changed = 0;
  for (std::uint32_t i = 0; i < books.size(); ++i) {
    const auto m = std::find_if(markets.begin(), markets.end(),
                                [&](const MarketInfo& x) { return x.id == books.symbol(i); });
    if (m == markets.end() || (m->price_decimals < 0 && m->size_decimals < 0)) continue;
    const int px = m->price_decimals >= 0 ? -m->price_decimals : books.px_exp(i);
    const int qty = m->size_decimals >= 0 ? -m->size_decimals : books.qty_exp(i);
    if (books.set_start_exponents(i, px, qty)) ++changed;
  }
  return changed;
}

}  // namespace wirebook::feeds::ocx
