#pragma once
// The table of venue modules (DESIGN.md §2): one line per venue in
// registry.cpp. The daemon, the config validator and tools find a venue kind
// here and never name one themselves.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/common/venue_module.hpp"

namespace wirebook::feeds {

// Every venue module, in the order messages list them.
[[nodiscard]] std::span<const VenueModule* const> venue_modules() noexcept;
// The module of `kind`, or nullptr.
[[nodiscard]] const VenueModule* find_venue_module(std::string_view kind) noexcept;
// Their config rules, for config::parse_config/load_config.
[[nodiscard]] std::span<const config::VenueRules> venue_rules() noexcept;
// "woo, pulse, ..." of the kinds whose feed this build implements.
[[nodiscard]] std::string implemented_kinds();

}  // namespace wirebook::feeds
