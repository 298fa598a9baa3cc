#include "venue_clients.hpp"

#include <simdjson.h>

#include <string_view>

namespace wirebook::simtest {

namespace od = simdjson::ondemand;

// Reads `[[p,q],...]` (WOO) or `[[action,p,q],...]` (Pulse) at `pointer`,
// taking the exact number text. False on any type problem.
bool read_levels(od::document& doc, std::string_view pointer, bool bid, std::size_t price_index,
                 std::vector<Change>& out) {
  od::array arr;
  if (doc.at_pointer(pointer).get_array().get(arr) != simdjson::SUCCESS) return false;
  for (auto lv_result : arr) {
    od::array lv;
    if (lv_result.get_array().get(lv) != simdjson::SUCCESS) return false;
    std::size_t i = 0;
    Change c{bid, -1, -1};
    for (auto x_result : lv) {
      od::value x;
      if (x_result.get(x) != simdjson::SUCCESS) return false;
      if (i == price_index || i == price_index + 1) {
        od::json_type t;
        if (x.type().get(t) != simdjson::SUCCESS || t != od::json_type::number) return false;
        std::int64_t v = 0;
        if (!parse_scaled(x.raw_json_token(), v)) return false;
        (i == price_index ? c.px : c.qty) = v;
      } else {
        std::string_view action;
        if (x.get_string().get(action) != simdjson::SUCCESS) return false;
        if (action != "new" && action != "change" && action != "delete") return false;
      }
      ++i;
    }
    if (c.px < 0 || c.qty < 0) return false;
    out.push_back(c);
  }
  return true;
}

bool top_equals(const RefBook& b, std::int64_t bid_px, std::int64_t bid_qty, std::int64_t ask_px,
                std::int64_t ask_qty) {
  if (b.bids.empty() || b.asks.empty()) return false;
  return b.bids.begin()->first == bid_px && b.bids.begin()->second == bid_qty &&
         b.asks.begin()->first == ask_px && b.asks.begin()->second == ask_qty;
}

// A number's exact text at a JSON pointer, scaled; -1 when absent or not a number.
std::int64_t raw_scaled(od::document& doc, std::string_view pointer) {
  od::value v;
  if (doc.at_pointer(pointer).get(v) != simdjson::SUCCESS) return -1;
  std::int64_t out = -1;
  if (!parse_scaled(v.raw_json_token(), out)) return -1;
  return out;
}

void apply_changes(RefBook& b, const std::vector<Change>& cs) {
  for (const Change& c : cs) b.set(c.bid, c.px, c.qty);
}

std::string compare_books(const std::map<std::string, RefBook>& books, const std::string& truth,
                          const std::string& venue) {
  const auto all = parse_truth(truth);
  const auto it = all.find(venue);
  if (it == all.end()) return "no truth for venue " + venue;
  std::string diff;
  for (const auto& [sym, t] : it->second) {
    const auto b = books.find(sym);
    if (b == books.end()) {
      diff += sym + ": no client book\n";
      continue;
    }
    const Levels bids = b->second.bid_text();
    const Levels asks = b->second.ask_text();
    if (bids != t.bids || asks != t.asks) {
      diff += sym + ": differs (client " + std::to_string(bids.size()) + "/" +
              std::to_string(asks.size()) + " levels, truth " + std::to_string(t.bids.size()) +
              "/" + std::to_string(t.asks.size()) + ")";
      for (std::size_t i = 0; i < std::min(bids.size(), t.bids.size()); ++i) {
        if (bids[i] != t.bids[i]) {
          diff += " first bid diff at " + std::to_string(i) + ": " + bids[i].first + "@" +
                  bids[i].second + " vs " + t.bids[i].first + "@" + t.bids[i].second;
          break;
        }
      }
      diff += "\n";
    }
  }
  return diff;
}

}  // namespace wirebook::simtest
