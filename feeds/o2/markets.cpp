#include "feeds/o2/markets.hpp"

#include <simdjson.h>

#include <stdexcept>

#include "feeds/o2/schema.hpp"

namespace wirebook::feeds::o2 {
namespace dom = simdjson::dom;
namespace {

// A decimals field: an integer 0..18, or a digit string.
std::optional<int> decimals(dom::object m, std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) {
    dom::element e;
    if (m.at_key(k).get(e) != simdjson::SUCCESS) continue;
    std::int64_t v = -1;
    std::string_view s;
    if (e.get_int64().get(v) != simdjson::SUCCESS) {
      if (e.get_string().get(s) != simdjson::SUCCESS || s.empty() || s.size() > 2) continue;
      v = 0;
      for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
      }
    }
    if (v >= 0 && v <= 18) return static_cast<int>(v);
  }
  return std::nullopt;
}

bool market_id(dom::object m, std::int64_t& out) {
  for (std::string_view k : {schema::kMarketId, schema::kId}) {
    dom::element e;
    if (m.at_key(k).get(e) != simdjson::SUCCESS) continue;
    if (e.get_int64().get(out) == simdjson::SUCCESS) return out >= 0;
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS || s.empty() || s.size() > 18) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  }
  return false;
}

std::string error_text(dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  dom::object o;
  if (e.get_object().get(o) == simdjson::SUCCESS) {
    for (std::string_view k : {"message", "msg"}) {
      if (o.at_key(k).get_string().get(s) == simdjson::SUCCESS) return std::string(s);
    }
  }
  return simdjson::minify(e);
}

std::string normalise(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '-' || c == '_' || c == '/') continue;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

}  // namespace

MarketsResult parse_markets(std::string_view body) {
  MarketsResult r;
  dom::parser parser;
  dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    r.error = "not JSON";
    return r;
  }
  bool success = false;
  if (doc[schema::kSuccess].get_bool().get(success) != simdjson::SUCCESS) {
    r.error = "no boolean 'success' (not the {success, data, error} envelope)";
    return r;
  }
  if (!success) {
    r.status = RestStatus::venue_error;
    dom::element e;
    r.error = doc[schema::kError].get(e) == simdjson::SUCCESS && !e.is_null() ? error_text(e)
                                                                              : "unspecified";
    return r;
  }
  dom::element data;
  if (doc[schema::kData].get(data) != simdjson::SUCCESS) {
    r.error = "no 'data'";
    return r;
  }
  dom::array list;
  if (data.get_array().get(list) != simdjson::SUCCESS &&
      data[schema::kMarkets].get_array().get(list) != simdjson::SUCCESS) {
    r.error = "'data' is neither a market array nor {\"markets\": [...]}";
    return r;
  }
  for (dom::element e : list) {
    dom::object m;
    if (e.get_object().get(m) != simdjson::SUCCESS) {
      r.error = "a market is not an object";
      return r;
    }
    MarketInfo info;
    std::string_view sym;
    if (m.at_key(schema::kSymbol).get_string().get(sym) != simdjson::SUCCESS &&
        m.at_key(schema::kName).get_string().get(sym) != simdjson::SUCCESS) {
      r.error = "a market has no symbol/name";
      return r;
    }
    info.symbol = std::string(sym);
    if (!market_id(m, info.market_id)) {
      r.error = "market '" + info.symbol + "' has no integer id/market_id";
      return r;
    }
    info.price_decimals = decimals(m, {"price_decimals", "quote_decimals", "price_precision"});
    info.size_decimals =
        decimals(m, {"size_decimals", "base_decimals", "quantity_decimals", "size_precision"});
    r.markets.push_back(std::move(info));
  }
  r.status = RestStatus::ok;
  return r;
}

std::vector<MarketInfo> resolve_markets(const std::vector<std::string>& symbols,
                                        const std::vector<MarketInfo>& markets) {
  std::vector<MarketInfo> out;
  std::string missing;
  for (const std::string& s : symbols) {
    const MarketInfo* hit = nullptr;
    for (const auto& m : markets) {
      if (m.symbol == s) hit = &m;
    }
    if (hit == nullptr) {
      const std::string want = normalise(s);
      for (const auto& m : markets) {
        if (normalise(m.symbol) == want) hit = &m;
      }
    }
    if (hit == nullptr) {
      missing += (missing.empty() ? "" : ", ") + s;
      continue;
    }
    MarketInfo info = *hit;
    info.symbol = s;
    out.push_back(std::move(info));
  }
  if (!missing.empty()) {
    throw std::runtime_error("O2 GET /api/v1/markets lists no market for: " + missing);
  }
  return out;
}

}  // namespace wirebook::feeds::o2
