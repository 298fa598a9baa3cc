#pragma once
// Internal to config/: one [[venue]] table -> VenueConfig, with per-kind
// rules (venue.cpp); the [[consolidated]] tables (consolidated.cpp).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/key_table.hpp"

namespace wirebook::config::detail {

// [A-Za-z0-9_-]{1,kMaxNameLen}: instance and venue names (they become file names).
[[nodiscard]] bool is_valid_name(std::string_view name) noexcept;

// Appends problems and warnings; the result is meaningful only without problems.
[[nodiscard]] VenueConfig parse_venue(const KeyTable& table, std::size_t index,
                                      std::span<const VenueRules> kinds, Problems& problems,
                                      std::vector<std::string>& warnings);

// The [[consolidated]] array, checked against the venues already parsed.
void parse_consolidated(const KeyValue& array, Config& cfg, Problems& problems);

}  // namespace wirebook::config::detail
