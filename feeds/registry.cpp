// The venue-module table (DESIGN.md §2). Adding a venue adds one line here.
#include "feeds/registry.hpp"

#include <array>

#include "feeds/o2/module.hpp"
#include "feeds/ocx/module.hpp"
#include "feeds/oxfun/module.hpp"
#include "feeds/pulse/module.hpp"
#include "feeds/woo/module.hpp"

namespace wirebook::feeds {

namespace {

constexpr std::array<const VenueModule*, 5> kModules = {
    &woo::kModule, &pulse::kModule, &o2::kModule, &oxfun::kModule, &ocx::kModule,
};

// VenueRules in table order, for the config validator (built once).
const std::vector<config::VenueRules>& rules_table() {
  static const std::vector<config::VenueRules> rules = [] {
    std::vector<config::VenueRules> out;
    for (const VenueModule* m : kModules) out.push_back(m->rules);
    return out;
  }();
  return rules;
}

}  // namespace

std::span<const VenueModule* const> venue_modules() noexcept {
  return kModules;
}

const VenueModule* find_venue_module(std::string_view kind) noexcept {
  for (const VenueModule* m : kModules) {
    if (m->rules.kind == kind) return m;
  }
  return nullptr;
}

std::span<const config::VenueRules> venue_rules() noexcept {
  return rules_table();
}

std::string implemented_kinds() {
  std::string out;
  for (const VenueModule* m : kModules) {
    if (m->make_feed != nullptr) out += (out.empty() ? "" : ", ") + std::string(m->rules.kind);
  }
  return out;
}

}  // namespace wirebook::feeds
