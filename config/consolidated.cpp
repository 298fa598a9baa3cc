// [[consolidated]]: name = "BTC-PERP", members = ["woo:PERP_BTC_USDT", ...].
// Each member names a configured venue and one of its symbols; the venue's
// thread writes that member's line of the consolidated segment.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "config/venue_parser.hpp"

namespace wirebook::config::detail {
namespace {

bool printable_name(const std::string& s) {
  return !s.empty() && s.size() <= kMaxSymbolLen &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 127; });
}

// "venue:symbol" against the venues; a problem naming the member otherwise.
std::optional<ConsolidatedMember> read_member(TableReader& r, const std::string& text,
                                              const Config& cfg) {
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    r.problem("member '" + text + "' must be written \"venue:symbol\"");
    return std::nullopt;
  }
  ConsolidatedMember m{text.substr(0, colon), text.substr(colon + 1)};
  const auto venue = std::find_if(cfg.venues.begin(), cfg.venues.end(),
                                  [&](const VenueConfig& v) { return v.name == m.venue; });
  if (venue == cfg.venues.end()) {
    r.problem("member '" + text + "': no [[venue]] is named '" + m.venue + "'");
    return std::nullopt;
  }
  if (!venue->enabled) {
    r.problem("member '" + text + "': venue '" + m.venue +
              "' is disabled (remove the member or enable the venue)");
    return std::nullopt;
  }
  if (std::find(venue->symbols.begin(), venue->symbols.end(), m.symbol) == venue->symbols.end()) {
    r.problem("member '" + text + "': '" + m.symbol + "' is not one of venue '" + m.venue +
              "' symbols");
    return std::nullopt;
  }
  return m;
}

void read_members(TableReader& r, const Config& cfg, ConsolidatedConfig& c) {
  const std::vector<KeyValue>* items = r.array("members", true);
  if (items == nullptr) return;
  if (items->empty() || items->size() > kMaxConsolidatedMembers) {
    r.problem("members must list 1.." + std::to_string(kMaxConsolidatedMembers) +
              " \"venue:symbol\" entries, got " + std::to_string(items->size()));
    return;
  }
  std::set<std::string, std::less<>> seen;
  for (const KeyValue& item : *items) {
    if (item.type != KeyValue::Type::string) {
      r.type_problem("members", "an array of \"venue:symbol\" strings", item);
      continue;
    }
    if (!seen.insert(item.string).second) {
      r.problem("member '" + item.string + "' is listed twice");
      continue;
    }
    if (auto m = read_member(r, item.string, cfg)) c.members.push_back(std::move(*m));
  }
}

}  // namespace

void parse_consolidated(const KeyValue& array, Config& cfg, Problems& problems) {
  if (array.items.size() > kMaxConsolidatedNames) {
    problems.push_back("at most " + std::to_string(kMaxConsolidatedNames) +
                       " [[consolidated]] names, got " + std::to_string(array.items.size()));
    return;
  }
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < array.items.size(); ++i) {
    TableReader r(array.items[i].fields, "consolidated #" + std::to_string(i + 1), problems);
    ConsolidatedConfig c;
    if (auto name = r.string("name", true)) {
      if (!printable_name(*name)) {
        r.problem("name must be 1.." + std::to_string(kMaxSymbolLen) +
                  " printable characters without spaces, got '" + *name + "'");
      } else if (!names.insert(*name).second) {
        r.problem("duplicate name '" + *name + "'");
      }
      c.name = *name;
    }
    read_members(r, cfg, c);
    r.finish();
    cfg.consolidated.push_back(std::move(c));
  }
}

}  // namespace wirebook::config::detail
